// A minimal bbolt database file — the format etcd snapshots are in — so that `talosctl etcd
// snapshot` can run its `snapshot status` check on what the simulator streams: two meta pages, an
// empty freelist, and a root leaf page of inline buckets (etcd's "key" and "meta").
const PAGE = 4096;
const MAGIC = 0xed0cdaed;
const LEAF = 0x02;
const META = 0x04;
const FREELIST = 0x10;
const BUCKET_LEAF = 0x01;

function pageHeader(buf: Buffer, offset: number, id: number, flags: number, count: number): void {
  buf.writeBigUInt64LE(BigInt(id), offset);
  buf.writeUInt16LE(flags, offset + 8);
  buf.writeUInt16LE(count, offset + 10);
  buf.writeUInt32LE(0, offset + 12);
}

function fnv64a(data: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of data) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** A leaf page's body: element headers (16 bytes each) then keys/values; `pos` is relative to each element. */
function leafBody(entries: { key: Buffer; value: Buffer; flags: number }[]): Buffer {
  const headers = Buffer.alloc(entries.length * 16);
  const data: Buffer[] = [];
  let dataOffset = headers.length;
  entries.forEach((entry, index) => {
    const at = index * 16;
    headers.writeUInt32LE(entry.flags, at);
    headers.writeUInt32LE(dataOffset - at, at + 4);
    headers.writeUInt32LE(entry.key.length, at + 8);
    headers.writeUInt32LE(entry.value.length, at + 12);
    data.push(entry.key, entry.value);
    dataOffset += entry.key.length + entry.value.length;
  });
  return Buffer.concat([headers, ...data]);
}

/** etcd's revision key: 8-byte main revision, '_', 8-byte sub revision. */
export function revisionKey(main: number, sub = 0): Buffer {
  const key = Buffer.alloc(17);
  key.writeBigUInt64BE(BigInt(main), 0);
  key.write("_", 8);
  key.writeBigUInt64BE(BigInt(sub), 9);
  return key;
}

type Entry = { key: Buffer; value: Buffer };

/** An inline bucket value: bucket header (root 0 = inline) then a leaf page of its entries. */
function inlineBucket(entries: Entry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.key, b.key));
  const header = Buffer.alloc(16);
  pageHeader(header, 0, 0, LEAF, sorted.length);
  return Buffer.concat([Buffer.alloc(16), header, leafBody(sorted.map((e) => ({ ...e, flags: 0 })))]);
}

/** A bbolt file whose root holds the given top-level buckets, each inline. */
export function boltDatabase(buckets: Record<string, Entry[]>): Buffer {
  const file = Buffer.alloc(PAGE * 4);
  for (const [page, txid] of [[0, 0], [1, 1]] as const) {
    const at = page * PAGE;
    pageHeader(file, at, page, META, 0);
    const meta = at + 16;
    file.writeUInt32LE(MAGIC, meta);
    file.writeUInt32LE(2, meta + 4);
    file.writeUInt32LE(PAGE, meta + 8);
    file.writeUInt32LE(0, meta + 12);
    file.writeBigUInt64LE(3n, meta + 16); // root bucket page
    file.writeBigUInt64LE(0n, meta + 24); // root sequence
    file.writeBigUInt64LE(2n, meta + 32); // freelist page
    file.writeBigUInt64LE(4n, meta + 40); // high water mark
    file.writeBigUInt64LE(BigInt(txid), meta + 48);
    file.writeBigUInt64LE(fnv64a(file.subarray(meta, meta + 56)), meta + 56);
  }
  pageHeader(file, 2 * PAGE, 2, FREELIST, 0);
  const names = Object.keys(buckets).sort();
  const root = leafBody(names.map((name) => ({ key: Buffer.from(name), value: inlineBucket(buckets[name]!), flags: BUCKET_LEAF })));
  if (root.length > PAGE - 16) throw new Error("simulated snapshot too large for one page");
  pageHeader(file, 3 * PAGE, 3, LEAF, names.length);
  root.copy(file, 3 * PAGE + 16);
  return file;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** etcd's mvccpb.KeyValue (key=1, create_revision=2, mod_revision=3, version=4, value=5), as stored in the "key" bucket. */
export function etcdKeyValue(key: string, value: Buffer, revision: number): Buffer {
  const bytesField = (tag: number, data: Buffer) => Buffer.concat([Buffer.from([tag]), varint(data.length), data]);
  const intField = (tag: number, n: number) => Buffer.concat([Buffer.from([tag]), varint(n)]);
  return Buffer.concat([bytesField(0x0a, Buffer.from(key)), intField(0x10, revision), intField(0x18, revision), intField(0x20, 1), bytesField(0x2a, value)]);
}
