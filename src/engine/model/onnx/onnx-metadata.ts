/** Reads an ONNX file's doc string and metadata_props without loading the graph. */
import { ProtoFileReader } from '../protobuf/file-reader.js';
import { WIRE_LEN } from '../protobuf/writer.js';

export interface OnnxMetadata {
  producer: string;
  doc: string;
  props: Record<string, string>;
}

export function readOnnxMetadata(path: string): OnnxMetadata {
  const r = new ProtoFileReader(path);
  try {
    const meta: OnnxMetadata = { producer: '', doc: '', props: {} };
    while (r.pos < r.size) {
      const h = r.header();
      if (h.field === 2 && h.wire === WIRE_LEN) meta.producer = r.string(r.uint());
      else if (h.field === 6 && h.wire === WIRE_LEN) meta.doc = r.string(r.uint());
      else if (h.field === 14 && h.wire === WIRE_LEN) {
        const endLen = r.uint();
      const end = r.pos + endLen;
        let k = '';
        let v = '';
        while (r.pos < end) {
          const e = r.header();
          if (e.field === 1 && e.wire === WIRE_LEN) k = r.string(r.uint());
          else if (e.field === 2 && e.wire === WIRE_LEN) v = r.string(r.uint());
          else r.skip(e.wire);
        }
        meta.props[k] = v;
      } else r.skip(h.wire);
    }
    return meta;
  } finally {
    r.close();
  }
}
