// Original file: proto/messages.proto


export interface TestOrcaReport {
  'cpu_utilization'?: (number | string);
  'memory_utilization'?: (number | string);
  'request_cost'?: ({[key: string]: number | string});
  'utilization'?: ({[key: string]: number | string});
}

export interface TestOrcaReport__Output {
  'cpu_utilization': (number);
  'memory_utilization': (number);
  'request_cost': ({[key: string]: number});
  'utilization': ({[key: string]: number});
}
