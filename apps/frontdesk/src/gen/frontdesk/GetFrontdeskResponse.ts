// Original file: proto/frontdesk.proto


export interface GetFrontdeskResponse {
  'message'?: (string);
}

export interface GetFrontdeskResponse__Output {
  'message': (string);
}
