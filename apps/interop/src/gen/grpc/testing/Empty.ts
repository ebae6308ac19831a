// Original file: proto/empty.proto


export interface Empty {
}

export interface Empty__Output {
}
