// Original file: proto/frontdesk.proto


export interface GetFrontdeskRequest {
  'name'?: (string);
}

export interface GetFrontdeskRequest__Output {
  'name': (string);
}
