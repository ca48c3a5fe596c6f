import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { createFileRegistry, fromBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type DescriptorProto } from '@bufbuild/protobuf/wkt';

/**
 * Compiles `.proto` source into a message schema that @bufbuild/protobuf's text-format parser and
 * writer use. protobufjs parses the source; its descriptor is handed over in binary form. protobufjs
 * leaves type references as written, so they are made fully qualified first.
 */
export function messageSchema(protoSource: string, fullName: string): DescMessage {
  const root = protobuf.parse(protoSource, { keepCase: true }).root;
  root.resolveAll();
  // protobufjs/ext/descriptor adds toDescriptor to Root at run time; its typings do not say so.
  const withDescriptor = root as protobuf.Root & { toDescriptor(syntax: string): protobuf.Message };
  const bytes = descriptor.FileDescriptorSet.encode(withDescriptor.toDescriptor('proto3')).finish();
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  for (const file of set.file) {
    const pkg = file.package ? root.lookup(file.package) : root;
    if (!(pkg instanceof protobuf.Namespace)) throw new Error(`package ${file.package} not found`);
    qualify(file.messageType, pkg, file.package ? `.${file.package}` : '');
  }
  const schema = createFileRegistry(set).getMessage(fullName);
  if (!schema) throw new Error(`The schema has no message ${fullName}.`);
  return schema;
}

function qualify(messages: DescriptorProto[], scope: protobuf.Namespace, scopeName: string): void {
  for (const m of messages) {
    const own = scope.get(m.name);
    // Map entries exist only in the descriptor; their fields resolve from the enclosing message.
    const ns = own instanceof protobuf.Namespace ? own : scope;
    const full = `${scopeName}.${m.name}`;
    for (const f of m.field) {
      if (f.typeName === '' || f.typeName.startsWith('.')) continue;
      if (m.nestedType.some((n) => n.name === f.typeName)) {
        f.typeName = `${full}.${f.typeName}`;
        continue;
      }
      const found = ns.lookup(f.typeName);
      if (!found) throw new Error(`Unresolved type ${f.typeName} in ${full}.`);
      f.typeName = found.fullName;
    }
    qualify(m.nestedType, ns, full);
  }
}
