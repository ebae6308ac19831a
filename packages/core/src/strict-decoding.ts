import type { AnyDefinition, MessageTypeDefinition, MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { FieldRule, MessageLayout, checkMessage, type VarintKind } from './wire-check';

type Deserialize = (bytes: Buffer) => object;
type MessageDefinition = MessageTypeDefinition<object, object>;

/**
 * Wraps every deserializer of a package definition (each method's request and
 * response, each message type's) so that it first checks the bytes with
 * {@link checkMessage}, then runs proto-loader's own: a damaged message
 * throws, which grpc-js answers with INTERNAL on both sides, and a well-formed
 * one decodes exactly as before. `root` is the protobufjs root the definition
 * was made from, loaded the same way (see `loadProto`).
 * @internal
 */
export function strictPackageDefinition(definition: PackageDefinition, root: protobuf.Root): PackageDefinition {
  const strict = (type: protobuf.Type, deserialize: Deserialize): Deserialize => {
    const layout = messageLayout(type);
    return (bytes) => {
      checkMessage(layout, bytes);
      return deserialize(bytes);
    };
  };
  const message = (type: protobuf.Type, def: MessageDefinition): MessageDefinition => ({
    ...def,
    deserialize: strict(type, def.deserialize),
  });
  const out: PackageDefinition = {};
  for (const [name, entry] of Object.entries(definition)) {
    if (isMessageDefinition(entry)) {
      out[name] = message(root.lookupType(name), entry);
    } else if (isServiceDefinition(entry)) {
      const service = root.lookupService(name);
      const methods: Record<string, MethodDefinition<object, object>> = {};
      for (const [methodName, def] of Object.entries(entry)) {
        const method = service.methods[methodName]!;
        const request = method.resolvedRequestType!;
        const response = method.resolvedResponseType!;
        methods[methodName] = {
          ...def,
          requestDeserialize: strict(request, def.requestDeserialize),
          responseDeserialize: strict(response, def.responseDeserialize),
          requestType: message(request, def.requestType),
          responseType: message(response, def.responseType),
        };
      }
      out[name] = methods;
    } else {
      out[name] = entry;
    }
  }
  return out;
}

function isMessageDefinition(entry: AnyDefinition): entry is MessageDefinition {
  return entry.format === 'Protocol Buffer 3 DescriptorProto';
}

function isServiceDefinition(entry: AnyDefinition): entry is ServiceDefinition {
  return typeof entry.format !== 'string';
}

/** Layouts by type, each compiled once (a recursive type finds its own while it is compiled). */
const layouts = new WeakMap<protobuf.Type, MessageLayout>();

/**
 * The wire layout of a protobufjs message type, for {@link checkMessage}:
 * `checkMessage(messageLayout(type), bytes)` before `type.decode(bytes)`
 * refuses what that decode would misread.
 * @internal
 */
export function messageLayout(type: protobuf.Type): MessageLayout {
  const known = layouts.get(type);
  if (known !== undefined) return known;
  const layout = new MessageLayout(type.fullName.replace(/^\./, ''));
  layouts.set(type, layout);
  const oneofs = type.oneofsArray.filter((oneof) => oneof.fieldsArray.length > 1);
  let once = 0;
  for (const field of type.fieldsArray) {
    field.resolve();
    const oneof = oneofs.findIndex((o) => o.fieldsArray.includes(field));
    const rule = fieldRule(field, `field ${field.id} '${field.name}'`);
    const single = rule.message !== undefined && !field.repeated && !field.map;
    layout.add(field.id, withSlots(rule, single ? once++ : -1, oneof));
  }
  return layout;
}

function withSlots(rule: FieldRule, once: number, oneof: number): FieldRule {
  return new FieldRule(rule.label, rule.wireType, rule.varint, rule.packable, rule.utf8, rule.message, once, oneof);
}

/** A rule as protobufjs's generated decoder reads the field (see protobufjs/src/decoder.js). */
function fieldRule(field: protobuf.Field, label: string): FieldRule {
  const utf8 = verifiesUtf8(field);
  if (field instanceof protobuf.MapField) {
    const entry = new MessageLayout(`${field.parent?.fullName.replace(/^\./, '')}.${field.name} entry`);
    entry.add(1, scalarRule(field.keyType, `the key of ${label}`, false, utf8));
    // The value of a map entry is a singular field of the entry: a message value may appear once.
    const value = valueRule(field, `the value of ${label}`, utf8);
    entry.add(2, value.message === undefined ? value : withSlots(value, 0, -1));
    return new FieldRule(label, LEN_DELIMITED, 'int64', false, false, entry);
  }
  return valueRule(field, label, utf8);
}

const LEN_DELIMITED = 2;
const START_GROUP = 3;

function valueRule(field: protobuf.Field, label: string, utf8: boolean): FieldRule {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const wireType = field.delimited && !(field instanceof protobuf.MapField) ? START_GROUP : LEN_DELIMITED;
    return new FieldRule(label, wireType, 'int64', false, false, messageLayout(resolved));
  }
  const type = resolved instanceof protobuf.Enum ? 'int32' : field.type;
  return scalarRule(type, label, field.repeated, utf8);
}

function scalarRule(type: string, label: string, repeated: boolean, utf8: boolean): FieldRule {
  const wireType = (protobuf.types.basic as Record<string, number | undefined>)[type];
  if (wireType === undefined) throw new Error(`${label}: unknown scalar type '${type}'`);
  const packable = repeated && (protobuf.types.packed as Record<string, number | undefined>)[type] !== undefined;
  const varint: VarintKind = type === 'bool' ? 'bool' : /64$/.test(type) ? 'int64' : 'int32';
  return new FieldRule(label, wireType, varint, packable, utf8 && type === 'string', undefined);
}

/** proto3 strings must be UTF-8; proto2 strings need not be (the field's resolved `utf8_validation` feature). */
function verifiesUtf8(field: protobuf.Field): boolean {
  const features = (field as unknown as { _features?: { utf8_validation?: string } })._features;
  return features?.utf8_validation === 'VERIFY';
}
