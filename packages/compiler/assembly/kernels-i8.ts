// AssemblyScript kernels of the int8 ops: int8 activations minus their zero point times symmetric
// int8 weights, accumulated in int32 with the int32 bias, requantised with the real multiplier
// `inputScale * weightScale[c] / outputScale`, plus the output zero point, clamped to [lo, hi]
// (int8 and the fused activation). Two arithmetics (ORT_ARITHMETIC below): the integer reference's
// (packages/optimizer/src/passes/quantize/int8-kernels.ts: float64, halves rounded up), or
// onnxruntime's for models read from an int8 ONNX file (float32, halves rounded to even).
// Conv and Dense weights are stored as int8 pairs (two input channels side by side), widened to
// int16 on load (v128.load8x8_s) so that i32x4.dot_i16x8_s does 8 multiply-adds per instruction;
// their activations are widened once per layer (widen_i8: int16 pairs minus the zero point), so
// that the inner loops splat a pair with one load. Requantisation runs four channels per vector.

// The arithmetic of every int8 kernel, fixed per compiled model: emit/assemble.ts rewrites this
// line to `true` for a model read from ONNX (compileGraph's `int8Arithmetic: 'onnxruntime'`).
// false: the integer reference's (float64 multipliers, halves rounded up); true: onnxruntime's
// (MLAS): float32 multipliers, products and sums, halves rounded to even, as QuantizeLinear rounds.
const ORT_ARITHMETIC: bool = false;

/** Rounds to the nearest integer: halves up (reference) or to even (onnxruntime). */
function roundHalf(v: f64): i32 {
  return ORT_ARITHMETIC ? <i32>nearest<f64>(v) : <i32>Math.floor(v + 0.5);
}

function clampStore(out: i32, v: i32, lo: i32, hi: i32): void {
  store<i8>(out, <i8>(v < lo ? lo : v > hi ? hi : v));
}

/**
 * Four int32 accumulators times the multipliers m[0..3] (f64 at `m`), rounded, plus the output
 * zero point: the scalar arithmetic lane by lane (float32 products rounded to even, or float64
 * products rounded half up), so that every lane equals what `requantize`'s scalar tail computes.
 */
function requant4(a: v128, m: i32, zo: v128): v128 {
  if (ORT_ARITHMETIC) {
    const mf = v128.shuffle<i64>(
      f32x4.demote_f64x2_zero(v128.load(m)),
      f32x4.demote_f64x2_zero(v128.load(m, 16)),
      0,
      2,
    );
    return i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(a), mf))), zo);
  }
  const half = f64x2.splat(0.5);
  const l = f64x2.floor(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(a), v128.load(m)), half));
  const h = f64x2.floor(
    f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i64>(a, a, 1, 1)), v128.load(m, 16)), half),
  );
  return i32x4.add(
    v128.shuffle<i64>(i32x4.trunc_sat_f64x2_s_zero(l), i32x4.trunc_sat_f64x2_s_zero(h), 0, 2),
    zo,
  );
}

/** Requantises 16 int32 accumulators in registers into 16 int8 outputs (one store) at `out`. */
function requant16(
  a0: v128,
  a1: v128,
  a2: v128,
  a3: v128,
  m: i32,
  out: i32,
  zo: v128,
  lo: v128,
  hi: v128,
): void {
  const r0 = requant4(a0, m, zo);
  const r1 = requant4(a1, m + 32, zo);
  const r2 = requant4(a2, m + 64, zo);
  const r3 = requant4(a3, m + 96, zo);
  const q = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
  v128.store(out, i8x16.min_s(i8x16.max_s(q, lo), hi));
}

/** Requantises K int32 accumulators (scratch) into int8 outputs with per-channel multipliers m (f64). */
function requantize(acc: i32, m: i32, out: i32, K: i32, zo: i32, lo: i32, hi: i32): void {
  const zv = i32x4.splat(zo);
  const lov = i8x16.splat(<i8>lo);
  const hiv = i8x16.splat(<i8>hi);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const r = requant4(v128.load(acc + (c << 2)), m + (c << 3), zv);
    const h = i16x8.narrow_i32x4_s(r, r);
    const n = i8x16.narrow_i16x8_s(h, h);
    store<i32>(out + c, i32x4.extract_lane(i8x16.min_s(i8x16.max_s(n, lov), hiv), 0));
  }
  for (; c < K; c++) {
    const a = load<i32>(acc + (c << 2));
    const mc = load<f64>(m + (c << 3));
    const v = (ORT_ARITHMETIC ? <i32>nearest<f32>(<f32>a * <f32>mc) : roundHalf(<f64>a * mc)) + zo;
    clampStore(out + c, v, lo, hi);
  }
}

/**
 * Int8 activations minus their zero point as int16 pairs, one int32 word per two input channels
 * (channel 2p in the low half, 2p+1 in the high half; an odd C's last word has 0 in its high half),
 * `[pixels][ceil(C/2)]`: the form conv2d_i8 splats (v128.load32_splat) against its weight pairs.
 */
export function widen_i8(x: i32, out: i32, pixels: i32, C: i32, zx: i32): void {
  if ((C & 1) === 0) {
    // Even C: the pairs of consecutive pixels are contiguous, so the tensor widens as one run.
    const n = pixels * C;
    const z = i16x8.splat(<i16>zx);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const v = v128.load(x + i);
      v128.store(out + (i << 1), i16x8.sub(i16x8.extend_low_i8x16_s(v), z));
      v128.store(out + (i << 1), i16x8.sub(i16x8.extend_high_i8x16_s(v), z), 16);
    }
    for (; i < n; i++) store<i16>(out + (i << 1), <i16>(<i32>load<i8>(x + i) - zx));
    return;
  }
  const last = C - 1;
  for (let p = 0; p < pixels; p++) {
    const xp = x + p * C;
    const op = out + p * (C + 1) * 2;
    for (let c = 0; c < last; c += 2) {
      store<i32>(
        op + (c << 1),
        ((<i32>load<i8>(xp + c) - zx) & 0xffff) | ((<i32>load<i8>(xp + c, 1) - zx) << 16),
      );
    }
    store<i32>(op + (last << 1), (<i32>load<i8>(xp + last) - zx) & 0xffff);
  }
}

/**
 * Int8 Conv2D (and Dense as the 1x1 case) of widened activations `xw` (widen_i8). Weights: int8
 * pairs [tap][ceil(C/2)][K4][2] (two input channels interleaved per output channel, K4 = K rounded
 * up to 4, zero filled), bias int32 [K4], multipliers f64 [K]. `acc` is an int32 scratch of K
 * rounded up to 16 values.
 */
export function conv2d_i8(
  xw: i32,
  w: i32,
  b: i32,
  m: i32,
  acc: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  OH: i32,
  OW: i32,
  K: i32,
  K4: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  top: i32,
  left: i32,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  if (H === 1 && W === 1 && KH === 1 && KW === 1) {
    dense_i8(xw, w, b, m, acc, out, C, K, K4, zo, lo, hi);
    return;
  }
  for (let y = 0; y < OH; y++) {
    const y0 = y * SH - top;
    let z = 0;
    while (z < OW) {
      const x0 = z * SW - left;
      const o = out + (y * OW + z) * K;
      // Two horizontally adjacent pixels whose windows lie inside the row share every weight load.
      // A last block of fewer than 16 channels (a pruned or narrow layer) runs the same 16 lanes
      // (the extra ones read the next weight row and are dropped; `acc` holds K rounded up to 16).
      if (z + 1 < OW && x0 >= 0 && x0 + SW + (KW - 1) * DW < W) {
        for (let co = 0; co < K4; co += 16) {
          conv_i8_pair16(
            xw,
            w,
            b,
            m,
            acc,
            o,
            o + K,
            H,
            W,
            C,
            K,
            K4,
            KH,
            KW,
            SW,
            DH,
            DW,
            y0,
            x0,
            co,
            zo,
            lo,
            hi,
          );
        }
        z += 2;
      } else {
        conv_i8_pixel(xw, w, b, m, acc, o, H, W, C, K, K4, KH, KW, DH, DW, y0, x0, 0, zo, lo, hi);
        z++;
      }
    }
  }
}

/**
 * Dense (a 1x1 convolution of one pixel): input pairs outermost, each pair's row of K4 weight
 * pairs read in order into the K4 accumulators of `acc` (the weights stream once, front to back);
 * a pair whose two inputs both sit at the zero point (ReLU's zeros) adds nothing and is skipped.
 */
function dense_i8(
  xw: i32,
  w: i32,
  b: i32,
  m: i32,
  acc: i32,
  out: i32,
  C: i32,
  K: i32,
  K4: i32,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  const pairs = (C + 1) >> 1;
  const wPair = K4 << 1;
  const accEnd = acc + (K4 << 2);
  memory.copy(acc, b, K4 << 2);
  for (let p = 0; p < pairs; p++) {
    const word = load<i32>(xw + (p << 2));
    if (word === 0) continue;
    const xv = i32x4.splat(word);
    let wp = w + p * wPair;
    let ap = acc;
    while (ap < accEnd) {
      v128.store(ap, i32x4.add(v128.load(ap), i32x4.dot_i16x8_s(xv, v128.load8x8_s(wp))));
      ap += 16;
      wp += 8;
    }
  }
  requantize(acc, m, out, K, zo, lo, hi);
}

/**
 * Output channels co..co+15 of two pixels (the second SW columns right of the first, both windows
 * inside the row): 8 accumulators, each weight load shared; each pixel's 16 channels are
 * requantised as soon as they are complete.
 */
function conv_i8_pair16(
  xw: i32,
  w: i32,
  b: i32,
  m: i32,
  acc: i32,
  o: i32,
  o2: i32,
  H: i32,
  W: i32,
  C: i32,
  K: i32,
  K4: i32,
  KH: i32,
  KW: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  y0: i32,
  x0: i32,
  co: i32,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  const pairs = (C + 1) >> 1;
  const wPair = K4 << 1;
  const wTap = pairs * wPair;
  const next = (SW * pairs) << 2;
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
      let xp = xw + (((iy * W + x0 + j * DW) * pairs) << 2);
      let wp = w + (i * KW + j) * wTap + (co << 1);
      const xe = xp + (pairs << 2);
      while (xp < xe) {
        const xv = v128.load32_splat(xp);
        const xu = v128.load32_splat(xp + next);
        const w0 = v128.load8x8_s(wp);
        const w1 = v128.load8x8_s(wp, 8);
        const w2 = v128.load8x8_s(wp, 16);
        const w3 = v128.load8x8_s(wp, 24);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xv, w0));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xv, w1));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xv, w2));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xv, w3));
        c0 = i32x4.add(c0, i32x4.dot_i16x8_s(xu, w0));
        c1 = i32x4.add(c1, i32x4.dot_i16x8_s(xu, w1));
        c2 = i32x4.add(c2, i32x4.dot_i16x8_s(xu, w2));
        c3 = i32x4.add(c3, i32x4.dot_i16x8_s(xu, w3));
        xp += 4;
        wp += wPair;
      }
    }
  }
  const n = min<i32>(16, K - co);
  const mp = m + (co << 3);
  if (n === 16) {
    const zv = i32x4.splat(zo);
    const lov = i8x16.splat(<i8>lo);
    const hiv = i8x16.splat(<i8>hi);
    requant16(a0, a1, a2, a3, mp, o + co, zv, lov, hiv);
    requant16(c0, c1, c2, c3, mp, o2 + co, zv, lov, hiv);
    return;
  }
  const ap = acc + (co << 2);
  v128.store(ap, a0);
  v128.store(ap, a1, 16);
  v128.store(ap, a2, 32);
  v128.store(ap, a3, 48);
  requantize(ap, mp, o + co, n, zo, lo, hi);
  v128.store(ap, c0);
  v128.store(ap, c1, 16);
  v128.store(ap, c2, 32);
  v128.store(ap, c3, 48);
  requantize(ap, mp, o2 + co, n, zo, lo, hi);
}

/**
 * Output channels co0..K-1 of one pixel (its window may cross the padding), 16 at a time into
 * `acc` (a last block of fewer runs 16 lanes too), requantised into o.
 */
function conv_i8_pixel(
  xw: i32,
  w: i32,
  b: i32,
  m: i32,
  acc: i32,
  o: i32,
  H: i32,
  W: i32,
  C: i32,
  K: i32,
  K4: i32,
  KH: i32,
  KW: i32,
  DH: i32,
  DW: i32,
  y0: i32,
  x0: i32,
  co0: i32,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  const pairs = (C + 1) >> 1;
  const wPair = K4 << 1; // bytes of one input-channel pair: K4 x 2 x int8
  const wTap = pairs * wPair;
  for (let co = co0; co < K4; co += 16) {
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
        let xp = xw + (((iy * W + ix) * pairs) << 2);
        let wp = w + (i * KW + j) * wTap + (co << 1);
        const xe = xp + (pairs << 2);
        while (xp < xe) {
          const xv = v128.load32_splat(xp);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xv, v128.load8x8_s(wp)));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xv, v128.load8x8_s(wp, 8)));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xv, v128.load8x8_s(wp, 16)));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xv, v128.load8x8_s(wp, 24)));
          xp += 4;
          wp += wPair;
        }
      }
    }
    const ap = acc + (co << 2);
    v128.store(ap, a0);
    v128.store(ap, a1, 16);
    v128.store(ap, a2, 32);
    v128.store(ap, a3, 48);
  }
  requantize(acc + (co0 << 2), m + (co0 << 3), o + co0, K - co0, zo, lo, hi);
}

/**
 * Int8 DepthwiseConv2D. Weights int8 [tap][K8] (K = C * M output channels, K8 = K rounded up to
 * 8, zero filled), bias int32 [K8], multipliers f64 [K]; `acc` an int32 scratch of K8 values.
 */
export function depthwise_i8(
  x: i32,
  w: i32,
  b: i32,
  m: i32,
  acc: i32,
  out: i32,
  H: i32,
  W: i32,
  C: i32,
  M: i32,
  OH: i32,
  OW: i32,
  K8: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  DH: i32,
  DW: i32,
  top: i32,
  left: i32,
  zx: i32,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  const K = C * M;
  const zv = i16x8.splat(<i16>zx);
  for (let y = 0; y < OH; y++) {
    for (let z = 0; z < OW; z++) {
      const y0 = y * SH - top;
      const x0 = z * SW - left;
      if (M === 1) {
        for (let k = 0; k < K8; k += 8) {
          let lo4 = v128.load(b + (k << 2));
          let hi4 = v128.load(b + (k << 2), 16);
          for (let i = 0; i < KH; i++) {
            const iy = y0 + i * DH;
            if (iy < 0 || iy >= H) continue;
            for (let j = 0; j < KW; j++) {
              const ix = x0 + j * DW;
              if (ix < 0 || ix >= W) continue;
              const xs = i16x8.sub(v128.load8x8_s(x + (iy * W + ix) * C + k), zv);
              const ws = v128.load8x8_s(w + (i * KW + j) * K8 + k);
              lo4 = i32x4.add(lo4, i32x4.extmul_low_i16x8_s(xs, ws));
              hi4 = i32x4.add(hi4, i32x4.extmul_high_i16x8_s(xs, ws));
            }
          }
          v128.store(acc + (k << 2), lo4);
          v128.store(acc + (k << 2), hi4, 16);
        }
      } else {
        for (let k = 0; k < K; k++) {
          const c = k / M;
          let a = load<i32>(b + (k << 2));
          for (let i = 0; i < KH; i++) {
            const iy = y0 + i * DH;
            if (iy < 0 || iy >= H) continue;
            for (let j = 0; j < KW; j++) {
              const ix = x0 + j * DW;
              if (ix < 0 || ix >= W) continue;
              a += (<i32>load<i8>(x + (iy * W + ix) * C + c) - zx) * <i32>load<i8>(w + (i * KW + j) * K8 + k);
            }
          }
          store<i32>(acc + (k << 2), a);
        }
      }
      requantize(acc, m, out + (y * OW + z) * K, K, zo, lo, hi);
    }
  }
}

/**
 * Int8 max (kind 0) or average (kind 1) pooling; quantisation parameters unchanged (zero point zp,
 * scale s). The reference's average is the integer mean rounded half up; ORT_ARITHMETIC computes as
 * onnxruntime does (DQ -> float32 AveragePool -> Q): each value dequantised in float32, the window
 * summed in order, divided by its count, quantised as mean / s rounded to even.
 */
export function pool_i8(
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
  zp: i32,
  s: f64,
): void {
  const sf = <f32>s;
  for (let y = 0; y < OH; y++) {
    const ya = max<i32>(y * SH - top, 0);
    const yb = min<i32>(y * SH - top + PH, H);
    for (let z = 0; z < OW; z++) {
      const xa = max<i32>(z * SW - left, 0);
      const xb = min<i32>(z * SW - left + PW, W);
      const o = out + (y * OW + z) * C;
      const count = <f64>((yb - ya) * (xb - xa));
      let c = 0;
      if (kind === 0) {
        for (; c + 16 <= C; c += 16) {
          let a = i8x16.splat(-128);
          for (let iy = ya; iy < yb; iy++)
            for (let ix = xa; ix < xb; ix++) a = i8x16.max_s(a, v128.load(x + (iy * W + ix) * C + c));
          v128.store(o + c, a);
        }
      }
      if (kind === 1 && ORT_ARITHMETIC) {
        // onnxruntime: DQ -> float32 AveragePool -> Q, the window summed in order.
        for (; c < C; c++) {
          let sum: f32 = 0;
          for (let iy = ya; iy < yb; iy++)
            for (let ix = xa; ix < xb; ix++) sum += <f32>(<i32>load<i8>(x + (iy * W + ix) * C + c) - zp) * sf;
          const mean: f32 = sum / <f32>count;
          clampStore(o + c, <i32>nearest<f32>(mean / sf) + zp, -128, 127);
        }
      }
      for (; c < C; c++) {
        let a: i32 = kind === 0 ? -128 : 0;
        for (let iy = ya; iy < yb; iy++) {
          for (let ix = xa; ix < xb; ix++) {
            const v = <i32>load<i8>(x + (iy * W + ix) * C + c);
            a = kind === 0 ? max<i32>(a, v) : a + v;
          }
        }
        store<i8>(o + c, <i8>(kind === 0 ? a : roundHalf(<f64>(a - zp * <i32>count) / count) + zp));
      }
    }
  }
}

/**
 * Int8 mean over HW pixels per channel (zero point zp, scale s; the output keeps both), rounded.
 * onnxruntime runs this pool in float32 (`DQ -> GlobalAveragePool -> Q`) with MLAS's kernel: four
 * float32 lanes accumulate pixels p % 4, reduced as (l0 + l2) + (l1 + l3), the remaining pixels
 * added in order, divided by HW, quantised as x / s rounded to even: ORT_ARITHMETIC does the same
 * float32 operations in the same order, so a mean near a half step rounds as it does there.
 */
export function global_avg_pool_i8(x: i32, out: i32, HW: i32, C: i32, zp: i32, s: f64): void {
  if (ORT_ARITHMETIC) {
    const sf = <f32>s;
    const n4 = HW & ~3;
    for (let c = 0; c < C; c++) {
      let l0: f32 = 0;
      let l1: f32 = 0;
      let l2: f32 = 0;
      let l3: f32 = 0;
      let p = 0;
      for (; p < n4; p += 4) {
        l0 += <f32>(<i32>load<i8>(x + p * C + c) - zp) * sf;
        l1 += <f32>(<i32>load<i8>(x + (p + 1) * C + c) - zp) * sf;
        l2 += <f32>(<i32>load<i8>(x + (p + 2) * C + c) - zp) * sf;
        l3 += <f32>(<i32>load<i8>(x + (p + 3) * C + c) - zp) * sf;
      }
      let sum: f32 = l0 + l2 + (l1 + l3);
      for (; p < HW; p++) sum += <f32>(<i32>load<i8>(x + p * C + c) - zp) * sf;
      const mean: f32 = sum / <f32>HW;
      clampStore(out + c, <i32>nearest<f32>(mean / sf) + zp, -128, 127);
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    let a: i32 = 0;
    for (let p = 0; p < HW; p++) a += <i32>load<i8>(x + p * C + c);
    store<i8>(out + c, <i8>(roundHalf(<f64>(a - zp * HW) / <f64>HW) + zp));
  }
}

/**
 * Int8 Add of two same-size tensors: round((a - za) ma + (b - zb) mb) + zo, clamped (the reference:
 * float64, halves up). ORT_ARITHMETIC computes as onnxruntime's QLinearAdd on x86 (below), in the
 * file's 8-bit domain (`u`: 128 for uint8 activations, 0 for int8).
 */
export function add_i8(
  a: i32,
  b: i32,
  out: i32,
  n: i32,
  za: i32,
  ma: f64,
  zb: i32,
  mb: f64,
  zo: i32,
  lo: i32,
  hi: i32,
  u: i32,
): void {
  const n16 = n & ~15;
  const lov = i8x16.splat(<i8>lo);
  const hiv = i8x16.splat(<i8>hi);
  // onnxruntime's x86 kernel (MLAS qladd_avx2.cpp): in float32, with the stored 8-bit values a, b,
  // c = fma(a, ra, fma(b, rb, fixed)), fixed = zc - (ra za + rb zb), rounded to even. Each fma is
  // computed in float64 and rounded once to float32: an 8-bit integer times a float32 is exact in
  // float64, and so is its sum with a float32 of similar magnitude.
  const ra = <f32>ma;
  const rb = <f32>mb;
  const fixed: f32 = <f32>(zo + u) - (ra * <f32>(za + u) + rb * <f32>(zb + u));
  // The vector loop's constants: onnxruntime's (ra, rb, fixed, u) or the reference's (ma, mb, za, zb, zo).
  const p0 = f64x2.splat(ORT_ARITHMETIC ? <f64>ra : ma);
  const p1 = f64x2.splat(ORT_ARITHMETIC ? <f64>rb : mb);
  const p2 = ORT_ARITHMETIC ? f64x2.splat(<f64>fixed) : i32x4.splat(za);
  const p3 = ORT_ARITHMETIC ? i32x4.splat(u) : i32x4.splat(zb);
  const p4 = i32x4.splat(zo);
  // 16 at a time, each lane as the scalar loop below computes it.
  for (let i = 0; i < n16; i += 16) {
    const va = v128.load(a + i);
    const vb = v128.load(b + i);
    const al = i16x8.extend_low_i8x16_s(va);
    const ah = i16x8.extend_high_i8x16_s(va);
    const bl = i16x8.extend_low_i8x16_s(vb);
    const bh = i16x8.extend_high_i8x16_s(vb);
    const r0 = add4(i32x4.extend_low_i16x8_s(al), i32x4.extend_low_i16x8_s(bl), p0, p1, p2, p3, p4);
    const r1 = add4(i32x4.extend_high_i16x8_s(al), i32x4.extend_high_i16x8_s(bl), p0, p1, p2, p3, p4);
    const r2 = add4(i32x4.extend_low_i16x8_s(ah), i32x4.extend_low_i16x8_s(bh), p0, p1, p2, p3, p4);
    const r3 = add4(i32x4.extend_high_i16x8_s(ah), i32x4.extend_high_i16x8_s(bh), p0, p1, p2, p3, p4);
    const q = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
    v128.store(out + i, i8x16.min_s(i8x16.max_s(q, lov), hiv));
  }
  for (let i = n16; i < n; i++) {
    if (ORT_ARITHMETIC) {
      const va = <f64>(<i32>load<i8>(a + i) + u);
      const vb = <f64>(<i32>load<i8>(b + i) + u);
      const t = <f32>(vb * <f64>rb + <f64>fixed);
      const c = <f32>(va * <f64>ra + <f64>t);
      clampStore(out + i, <i32>nearest<f32>(c) - u, lo, hi);
    } else {
      const da = <i32>load<i8>(a + i) - za;
      const db = <i32>load<i8>(b + i) - zb;
      clampStore(out + i, roundHalf(<f64>da * ma + <f64>db * mb) + zo, lo, hi);
    }
  }
}

/** add_i8 for four lanes in the model's arithmetic (p0..p4: see add_i8). */
function add4(a: v128, b: v128, p0: v128, p1: v128, p2: v128, p3: v128, p4: v128): v128 {
  return ORT_ARITHMETIC ? add_ort4(a, b, p0, p1, p2, p3) : add_ref4(a, b, p2, p0, p3, p1, p4);
}

/** add_i8's onnxruntime arithmetic for four lanes: fma(a, ra, fma(b, rb, fixed)) in float32 (see add_i8), rounded to even, minus u. */
function add_ort4(a: v128, b: v128, ra: v128, rb: v128, fixed: v128, u: v128): v128 {
  const va = i32x4.add(a, u);
  const vb = i32x4.add(b, u);
  const va2 = v128.shuffle<i64>(va, va, 1, 1);
  const vb2 = v128.shuffle<i64>(vb, vb, 1, 1);
  // fma(b, rb, fixed), then fma(a, ra, that), each rounded once to float32 (lanes 0-1, then 2-3).
  const t0 = f64x2.promote_low_f32x4(
    f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(vb), rb), fixed)),
  );
  const t1 = f64x2.promote_low_f32x4(
    f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(vb2), rb), fixed)),
  );
  const c0 = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(va), ra), t0));
  const c1 = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(va2), ra), t1));
  const c = v128.shuffle<i64>(c0, c1, 0, 2);
  return i32x4.sub(i32x4.trunc_sat_f32x4_s(f32x4.nearest(c)), u);
}

/** add_i8's reference arithmetic for four lanes: floor((a - za) ma + (b - zb) mb + 0.5) + zo, in float64. */
function add_ref4(a: v128, b: v128, za: v128, ma: v128, zb: v128, mb: v128, zo: v128): v128 {
  const da = i32x4.sub(a, za);
  const db = i32x4.sub(b, zb);
  const half = f64x2.splat(0.5);
  const l = f64x2.floor(
    f64x2.add(
      f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(da), ma), f64x2.mul(f64x2.convert_low_i32x4_s(db), mb)),
      half,
    ),
  );
  const dh = v128.shuffle<i64>(da, da, 1, 1);
  const bh = v128.shuffle<i64>(db, db, 1, 1);
  const h = f64x2.floor(
    f64x2.add(
      f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(dh), ma), f64x2.mul(f64x2.convert_low_i32x4_s(bh), mb)),
      half,
    ),
  );
  return i32x4.add(
    v128.shuffle<i64>(i32x4.trunc_sat_f64x2_s_zero(l), i32x4.trunc_sat_f64x2_s_zero(h), 0, 2),
    zo,
  );
}

/** Int8 ReLU / ReLU6 with requantisation: round((x - zx) sx / so) + zo, clamped to [lo, hi]. */
export function activate_i8(
  x: i32,
  out: i32,
  n: i32,
  zx: i32,
  sx: f64,
  so: f64,
  zo: i32,
  lo: i32,
  hi: i32,
): void {
  for (let i = 0; i < n; i++) {
    const d = <i32>load<i8>(x + i) - zx;
    const v =
      (ORT_ARITHMETIC ? <i32>nearest<f32>((<f32>d * <f32>sx) / <f32>so) : roundHalf((<f64>d * sx) / so)) + zo;
    clampStore(out + i, v, lo, hi);
  }
}

/** Float to int8: round half to even (x / s) + z, saturating (ONNX QuantizeLinear). */
export function quantize_f32_i8(x: i32, out: i32, n: i32, s: f64, z: i32): void {
  for (let i = 0; i < n; i++) {
    const f = load<f32>(x + (i << 2));
    const v = (ORT_ARITHMETIC ? <i32>nearest<f32>(f / <f32>s) : <i32>nearest<f64>(<f64>f / s)) + z;
    clampStore(out + i, v, -128, 127);
  }
}

/** Int8 to float: s (q - z). */
export function dequantize_i8_f32(x: i32, out: i32, n: i32, s: f64, z: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), <f32>(s * <f64>(<i32>load<i8>(x + i) - z)));
}
