// AssemblyScript kernels of the float32 ops on NHWC data, written once and called by each model's
// generated entry with its shapes and buffer offsets as constants. SIMD128 (f32x4) across output
// channels; every pointer is a byte offset into the module's one memory; nothing is allocated.
// Fused activations: 0 none, 1 relu, 2 relu6, 3 sigmoid, 4 hard-swish (sigmoid is applied by a
// separate pass, activate_f32, which the generated entry emits after the kernel).

// AssemblyScript (compiled by asc in emit/assemble.ts, not by tsc).

function act4(v: v128, act: i32): v128 {
  if (act === 1) return f32x4.max(v, f32x4.splat(0));
  if (act === 2) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  if (act === 4) {
    const c = f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.div(f32x4.mul(v, c), f32x4.splat(6));
  }
  return v;
}

function act1(v: f32, act: i32): f32 {
  if (act === 1) return max<f32>(v, 0);
  if (act === 2) return min<f32>(max<f32>(v, 0), 6);
  if (act === 3) return <f32>1 / (<f32>1 + Mathf.exp(-v));
  if (act === 4) return (v * min<f32>(max<f32>(v + 3, 0), 6)) / 6;
  return v;
}

function fma4(acc: v128, x: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, w));
}

/** Conv2D, HWIO weights [kh, kw, c, k], bias [k]; Dense is the 1x1 case on a 1x1 image. */
export function conv2d_f32(
  x: i32,
  w: i32,
  b: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  OH: i32,
  OW: i32,
  K: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  top: i32,
  left: i32,
  act: i32,
): void {
  for (let y = 0; y < OH; y++) {
    const y0 = y * SH - top;
    let z = 0;
    while (z < OW) {
      const o = out + (((y * OW + z) * K) << 2);
      const x0 = z * SW - left;
      // Two horizontally adjacent pixels whose windows lie inside the row share every weight load.
      // A last block of fewer than 16 channels (a pruned or narrow layer) runs the same 16 lanes
      // and stores only its own: the extra lanes read the next weights row (or the next constant)
      // and are dropped, which keeps 8 independent accumulators instead of one per 4 channels.
      if (z + 1 < OW && x0 >= 0 && x0 + SW + (KW - 1) * DW < W) {
        for (let co = 0; co < K; co += 16) {
          conv_pair16(x, w, b, o, o + (K << 2), H, W, C, K, KH, KW, SW, DH, DW, y0, x0, co, act);
        }
        z += 2;
      } else {
        conv_pixel(x, w, b, o, H, W, C, K, KH, KW, DH, DW, y0, x0, 0, act);
        z++;
      }
    }
  }
}

/**
 * Output channels co..co+15 of two pixels at once (the second SW columns right of the first, both
 * windows inside the row): 8 accumulators, each weight vector loaded once for both pixels.
 */
function conv_pair16(
  x: i32,
  w: i32,
  b: i32,
  o: i32,
  o2: i32,
  H: i32,
  W: i32,
  C: i32,
  K: i32,
  KH: i32,
  KW: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  y0: i32,
  x0: i32,
  co: i32,
  act: i32,
): void {
  const wTap = (C * K) << 2;
  const wRow = K << 2;
  const next = (SW * C) << 2;
  const bp = b + (co << 2);
  let a0 = v128.load(bp);
  let a1 = v128.load(bp, 16);
  let a2 = v128.load(bp, 32);
  let a3 = v128.load(bp, 48);
  let c0 = a0;
  let c1 = a1;
  let c2 = a2;
  let c3 = a3;
  for (let i = 0; i < KH; i++) {
    const iy = y0 + i * DH;
    if (iy < 0 || iy >= H) continue;
    for (let j = 0; j < KW; j++) {
      let xp = x + (((iy * W + x0 + j * DW) * C) << 2);
      let wp = w + (i * KW + j) * wTap + (co << 2);
      const xe = xp + (C << 2);
      while (xp < xe) {
        const xv = v128.load32_splat(xp);
        const xu = v128.load32_splat(xp + next);
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const w2 = v128.load(wp, 32);
        const w3 = v128.load(wp, 48);
        a0 = fma4(a0, xv, w0);
        a1 = fma4(a1, xv, w1);
        a2 = fma4(a2, xv, w2);
        a3 = fma4(a3, xv, w3);
        c0 = fma4(c0, xu, w0);
        c1 = fma4(c1, xu, w1);
        c2 = fma4(c2, xu, w2);
        c3 = fma4(c3, xu, w3);
        xp += 4;
        wp += wRow;
      }
    }
  }
  const n = min<i32>(16, K - co);
  store16(o + (co << 2), act4(a0, act), act4(a1, act), act4(a2, act), act4(a3, act), n);
  store16(o2 + (co << 2), act4(c0, act), act4(c1, act), act4(c2, act), act4(c3, act), n);
}

/** Stores the first n (1..16) of 16 float32 lanes at op. */
function store16(op: i32, v0: v128, v1: v128, v2: v128, v3: v128, n: i32): void {
  if (n === 16) {
    v128.store(op, v0);
    v128.store(op, v1, 16);
    v128.store(op, v2, 32);
    v128.store(op, v3, 48);
    return;
  }
  let rest = v0;
  if (n >= 4) {
    v128.store(op, v0);
    rest = v1;
  }
  if (n >= 8) {
    v128.store(op, v1, 16);
    rest = v2;
  }
  if (n >= 12) {
    v128.store(op, v2, 32);
    rest = v3;
  }
  const r = n & 3;
  const rp = op + ((n & ~3) << 2);
  if (r > 0) store<f32>(rp, f32x4.extract_lane(rest, 0));
  if (r > 1) store<f32>(rp, f32x4.extract_lane(rest, 1), 4);
  if (r > 2) store<f32>(rp, f32x4.extract_lane(rest, 2), 8);
}

/**
 * Output channels co0..K-1 of one pixel (its window may cross the padding), 16 at a time; a last
 * block of fewer channels runs 16 lanes and stores its own (see conv2d_f32).
 */
function conv_pixel(
  x: i32,
  w: i32,
  b: i32,
  o: i32,
  H: i32,
  W: i32,
  C: i32,
  K: i32,
  KH: i32,
  KW: i32,
  DH: i32,
  DW: i32,
  y0: i32,
  x0: i32,
  co0: i32,
  act: i32,
): void {
  const wTap = (C * K) << 2;
  const wRow = K << 2;
  for (let co = co0; co < K; co += 16) {
    const bp = b + (co << 2);
    let a0 = v128.load(bp);
    let a1 = v128.load(bp, 16);
    let a2 = v128.load(bp, 32);
    let a3 = v128.load(bp, 48);
    for (let i = 0; i < KH; i++) {
      const iy = y0 + i * DH;
      if (iy < 0 || iy >= H) continue;
      for (let j = 0; j < KW; j++) {
        const ix = x0 + j * DW;
        if (ix < 0 || ix >= W) continue;
        let xp = x + (((iy * W + ix) * C) << 2);
        let wp = w + (i * KW + j) * wTap + (co << 2);
        const xe = xp + (C << 2);
        while (xp < xe) {
          const xv = v128.load32_splat(xp);
          a0 = fma4(a0, xv, v128.load(wp));
          a1 = fma4(a1, xv, v128.load(wp, 16));
          a2 = fma4(a2, xv, v128.load(wp, 32));
          a3 = fma4(a3, xv, v128.load(wp, 48));
          xp += 4;
          wp += wRow;
        }
      }
    }
    store16(o + (co << 2), act4(a0, act), act4(a1, act), act4(a2, act), act4(a3, act), min<i32>(16, K - co));
  }
}

/** DepthwiseConv2D, weights [kh, kw, c, m] (output channel c * m + q), bias [c * m]. */
export function depthwise_f32(
  x: i32,
  w: i32,
  b: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  M: i32,
  OH: i32,
  OW: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  top: i32,
  left: i32,
  act: i32,
): void {
  const K = C * M;
  for (let y = 0; y < OH; y++) {
    for (let z = 0; z < OW; z++) {
      const o = out + (((y * OW + z) * K) << 2);
      const y0 = y * SH - top;
      const x0 = z * SW - left;
      let k = 0;
      if (M === 1) {
        for (; k + 4 <= K; k += 4) {
          let a = v128.load(b + (k << 2));
          for (let i = 0; i < KH; i++) {
            const iy = y0 + i * DH;
            if (iy < 0 || iy >= H) continue;
            for (let j = 0; j < KW; j++) {
              const ix = x0 + j * DW;
              if (ix < 0 || ix >= W) continue;
              const xp = x + (((iy * W + ix) * C + k) << 2);
              const wp = w + (((i * KW + j) * K + k) << 2);
              a = fma4(a, v128.load(xp), v128.load(wp));
            }
          }
          v128.store(o + (k << 2), act4(a, act));
        }
      }
      for (; k < K; k++) {
        const c = k / M;
        let a: f32 = load<f32>(b + (k << 2));
        for (let i = 0; i < KH; i++) {
          const iy = y0 + i * DH;
          if (iy < 0 || iy >= H) continue;
          for (let j = 0; j < KW; j++) {
            const ix = x0 + j * DW;
            if (ix < 0 || ix >= W) continue;
            a += load<f32>(x + (((iy * W + ix) * C + c) << 2)) * load<f32>(w + (((i * KW + j) * K + k) << 2));
          }
        }
        store<f32>(o + (k << 2), act1(a, act === 3 ? 0 : act));
      }
    }
  }
}

/** A fused or standalone activation over n values (out may equal x). */
export function activate_f32(x: i32, out: i32, n: i32, act: i32): void {
  let i = 0;
  if (act !== 3) {
    for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), act4(v128.load(x + (i << 2)), act));
  }
  for (; i < n; i++) store<f32>(out + (i << 2), act1(load<f32>(x + (i << 2)), act));
}

/** Per-channel affine map over n values of c channels (unfolded BatchNorm): out = x * s[c] + t[c]. */
export function affine_f32(x: i32, s: i32, t: i32, out: i32, n: i32, C: i32): void {
  for (let p = 0; p < n; p += C) {
    for (let c = 0; c < C; c++) {
      const i = (p + c) << 2;
      store<f32>(out + i, load<f32>(x + i) * load<f32>(s + (c << 2)) + load<f32>(t + (c << 2)));
    }
  }
}

/** Max (kind 0) or average (kind 1, padded pixels not counted) pooling, TF padding. */
export function pool_f32(
  x: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  OH: i32,
  OW: i32,
  PH: i32,
  PW: i32,
  SH: i32,
  SW: i32,
  top: i32,
  left: i32,
  kind: i32,
): void {
  for (let y = 0; y < OH; y++) {
    const ya = max<i32>(y * SH - top, 0);
    const yb = min<i32>(y * SH - top + PH, H);
    for (let z = 0; z < OW; z++) {
      const xa = max<i32>(z * SW - left, 0);
      const xb = min<i32>(z * SW - left + PW, W);
      const o = out + (((y * OW + z) * C) << 2);
      const inv: f32 = <f32>1 / <f32>((yb - ya) * (xb - xa));
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        let a = kind === 0 ? f32x4.splat(-Infinity) : f32x4.splat(0);
        for (let iy = ya; iy < yb; iy++) {
          for (let ix = xa; ix < xb; ix++) {
            const v = v128.load(x + (((iy * W + ix) * C + c) << 2));
            a = kind === 0 ? f32x4.max(a, v) : f32x4.add(a, v);
          }
        }
        v128.store(o + (c << 2), kind === 0 ? a : f32x4.mul(a, f32x4.splat(inv)));
      }
      for (; c < C; c++) {
        let a: f32 = kind === 0 ? -Infinity : 0;
        for (let iy = ya; iy < yb; iy++) {
          for (let ix = xa; ix < xb; ix++) {
            const v = load<f32>(x + (((iy * W + ix) * C + c) << 2));
            a = kind === 0 ? max<f32>(a, v) : a + v;
          }
        }
        store<f32>(o + (c << 2), kind === 0 ? a : a * inv);
      }
    }
  }
}

/** Mean over the hw pixels of each of C channels. */
export function global_avg_pool_f32(x: i32, out: i32, HW: i32, C: i32): void {
  const inv: f32 = <f32>1 / <f32>HW;
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    let a = f32x4.splat(0);
    for (let p = 0; p < HW; p++) a = f32x4.add(a, v128.load(x + ((p * C + c) << 2)));
    v128.store(out + (c << 2), f32x4.mul(a, f32x4.splat(inv)));
  }
  for (; c < C; c++) {
    let a: f32 = 0;
    for (let p = 0; p < HW; p++) a += load<f32>(x + ((p * C + c) << 2));
    store<f32>(out + (c << 2), a * inv);
  }
}

/**
 * Element-wise a + b (op 0) or a * b (op 1) over a rank-4 output [d0, d1, d2, d3] with numpy
 * broadcasting given as element strides of a and b (0 on a broadcast axis), then `act`.
 */
export function binary_f32(
  a: i32,
  b: i32,
  out: i32,
  op: i32,
  d0: i32,
  d1: i32,
  d2: i32,
  d3: i32,
  a0: i32,
  a1: i32,
  a2: i32,
  a3: i32,
  b0: i32,
  b1: i32,
  b2: i32,
  b3: i32,
  act: i32,
): void {
  let o = out;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const pa = a + ((i0 * a0 + i1 * a1 + i2 * a2) << 2);
        const pb = b + ((i0 * b0 + i1 * b1 + i2 * b2) << 2);
        let i3 = 0;
        if (a3 === 1 && (b3 === 1 || b3 === 0)) {
          const bs = f32x4.splat(load<f32>(pb));
          for (; i3 + 4 <= d3; i3 += 4) {
            const va = v128.load(pa + (i3 << 2));
            const vb = b3 === 1 ? v128.load(pb + (i3 << 2)) : bs;
            const r = op === 0 ? f32x4.add(va, vb) : f32x4.mul(va, vb);
            v128.store(o, act === 3 ? r : act4(r, act));
            o += 16;
          }
        }
        for (; i3 < d3; i3++) {
          const va = load<f32>(pa + ((i3 * a3) << 2));
          const vb = load<f32>(pb + ((i3 * b3) << 2));
          store<f32>(o, act1(op === 0 ? va + vb : va * vb, act === 3 ? 0 : act));
          o += 4;
        }
      }
    }
  }
}

/** Softmax over `len` values, for each of outer x inner positions (element stride `inner`). */
export function softmax_f32(x: i32, out: i32, outer: i32, len: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m: f32 = -Infinity;
      for (let k = 0; k < len; k++) m = max<f32>(m, load<f32>(x + ((base + k * inner) << 2)));
      let s: f32 = 0;
      for (let k = 0; k < len; k++) {
        const e = Mathf.exp(load<f32>(x + ((base + k * inner) << 2)) - m);
        store<f32>(out + ((base + k * inner) << 2), e);
        s += e;
      }
      const inv: f32 = <f32>1 / s;
      for (let k = 0; k < len; k++) {
        const p = out + ((base + k * inner) << 2);
        store<f32>(p, load<f32>(p) * inv);
      }
    }
  }
}

/** Zero padding of H and W ([H, W, C] into [OH, OW, C] at row `top`, column `left`); elemBytes 4 or 1. */
export function pad_nhwc(
  x: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  OH: i32,
  OW: i32,
  top: i32,
  left: i32,
  elemBytes: i32,
  fill: i32,
): void {
  memory.fill(out, <u8>fill, OH * OW * C * elemBytes);
  const row = W * C * elemBytes;
  for (let y = 0; y < H; y++) {
    memory.copy(out + ((y + top) * OW + left) * C * elemBytes, x + y * row, row);
  }
}

/** Copies `outer` blocks of `block` bytes from x into out with a destination stride: one Concat input. */
export function copy_blocks(x: i32, out: i32, outer: i32, block: i32, stride: i32): void {
  for (let o = 0; o < outer; o++) memory.copy(out + o * stride, x + o * block, block);
}

/**
 * Dense: x [C] times weights [C, K] plus bias, then `act`. Streams the weights row by row (four
 * input rows at a time, so each output vector is loaded and stored once per four rows): batch-1
 * Dense is bound by reading its weights, and sequential reads are what the memory system prefetches.
 */
export function dense_f32(x: i32, w: i32, b: i32, out: i32, C: i32, K: i32, act: i32): void {
  memory.copy(out, b, K << 2);
  const row = K << 2;
  const K4 = K & ~3;
  // An input that is zero (after ReLU and max pooling, most are) adds nothing: its weight row is
  // never read. Batch-1 Dense is bound by reading the weights, so this is most of its time. The
  // non-zero inputs are taken four at a time (one read-add-write of out per four rows).
  let c = 0;
  while (c < C) {
    let n = 0;
    let i0 = 0;
    let i1 = 0;
    let i2 = 0;
    let i3 = 0;
    while (c < C && n < 4) {
      if (load<f32>(x + (c << 2)) !== 0) {
        if (n === 0) i0 = c;
        else if (n === 1) i1 = c;
        else if (n === 2) i2 = c;
        else i3 = c;
        n++;
      }
      c++;
    }
    if (n === 4) {
      const x0 = v128.load32_splat(x + (i0 << 2));
      const x1 = v128.load32_splat(x + (i1 << 2));
      const x2 = v128.load32_splat(x + (i2 << 2));
      const x3 = v128.load32_splat(x + (i3 << 2));
      const w0 = w + i0 * row;
      const w1 = w + i1 * row;
      const w2 = w + i2 * row;
      const w3 = w + i3 * row;
      for (let k = 0; k < K4; k += 4) {
        const o = k << 2;
        let s = f32x4.add(f32x4.mul(x0, v128.load(w0 + o)), f32x4.mul(x1, v128.load(w1 + o)));
        s = f32x4.add(s, f32x4.add(f32x4.mul(x2, v128.load(w2 + o)), f32x4.mul(x3, v128.load(w3 + o))));
        v128.store(out + o, f32x4.add(v128.load(out + o), s));
      }
      for (let k = K4; k < K; k++) {
        const o = k << 2;
        const s =
          load<f32>(x + (i0 << 2)) * load<f32>(w0 + o) +
          load<f32>(x + (i1 << 2)) * load<f32>(w1 + o) +
          load<f32>(x + (i2 << 2)) * load<f32>(w2 + o) +
          load<f32>(x + (i3 << 2)) * load<f32>(w3 + o);
        store<f32>(out + o, load<f32>(out + o) + s);
      }
    } else {
      for (let r = 0; r < n; r++) {
        const i = r === 0 ? i0 : r === 1 ? i1 : i2;
        const xs = load<f32>(x + (i << 2));
        const xv = f32x4.splat(xs);
        const wr = w + i * row;
        for (let k = 0; k < K4; k += 4) {
          const o = k << 2;
          v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(xv, v128.load(wr + o))));
        }
        for (let k = K4; k < K; k++)
          store<f32>(out + (k << 2), load<f32>(out + (k << 2)) + xs * load<f32>(wr + (k << 2)));
      }
    }
  }
  if (act !== 0) activate_f32(out, out, K, act);
}
