// Original file: proto/order_management.proto


export interface Order {
  'id'?: (string);
  'items'?: (string)[];
  'description'?: (string);
  'price'?: (number | string);
  'destination'?: (string);
}

export interface Order__Output {
  'id': (string);
  'items': (string)[];
  'description': (string);
  'price': (number);
  'destination': (string);
}
