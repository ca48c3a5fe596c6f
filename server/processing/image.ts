import sharp, { type Metadata } from 'sharp';
import { badRequest } from '../base/errors.js';
import { floatToHalf } from '../protocol/fp16.js';
import type { Tensor } from '../protocol/tensor.js';
import type { ImageInput } from './spec.js';

/** The file types taken; others (SVG, GIF, PDF…) are refused before libvips renders anything. */
const FORMATS = new Set(['png', 'jpeg', 'webp', 'tiff']);

interface Pixels { data: Buffer; width: number; height: number; channels: number }

/** The size an image is scaled to before padding or cropping, from its upright size. */
function targetSize(spec: ImageInput, w: number, h: number): { width: number; height: number; crop?: { left: number; top: number } } {
  const r = spec.resize;
  switch (r.mode) {
    case 'exact': return { width: r.width, height: r.height };
    case 'pad': {
      const s = Math.min(r.width / w, r.height / h);
      return { width: Math.max(1, Math.min(r.width, Math.round(w * s))), height: Math.max(1, Math.min(r.height, Math.round(h * s))) };
    }
    case 'crop': {
      const s = Math.max(r.shorter / Math.min(w, h), r.width / w, r.height / h);
      const width = Math.max(r.width, Math.round(w * s));
      const height = Math.max(r.height, Math.round(h * s));
      return { width, height, crop: { left: Math.floor((width - r.width) / 2), top: Math.floor((height - r.height) / 2) } };
    }
    case 'height': {
      const cap = Math.min(r.maxWidth ?? Infinity, r.width ?? Infinity);
      let width = Math.min(cap, Math.max(1, Math.ceil((r.height * w) / h)));
      if (r.multiple) width = Math.min(cap, Math.ceil(width / r.multiple) * r.multiple);
      return { width, height: r.height };
    }
  }
}

/** Decodes, turns upright (EXIF), converts and scales one image; every failure is the client's (400). */
async function decodeOne(file: Buffer, spec: ImageInput, index: number): Promise<Pixels> {
  const which = `image ${index}`;
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    throw badRequest(`${which} is not a PNG, JPEG, WebP or TIFF file (${file.length} bytes that no image decoder recognises).`);
  }
  if (!meta.format || !FORMATS.has(meta.format)) throw badRequest(`${which} is ${meta.format ?? 'of an unknown type'}; send PNG, JPEG, WebP or TIFF.`);
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  // From the header, before any pixel is decoded: a small file may declare a huge image.
  if (w0 * h0 > spec.maxPixels || w0 === 0 || h0 === 0) {
    throw badRequest(`${which} declares ${w0}×${h0} pixels; the limit is ${spec.maxPixels} pixels. Send a smaller image.`);
  }
  const upright = (meta.orientation ?? 1) >= 5 ? { w: h0, h: w0 } : { w: w0, h: h0 };
  const t = targetSize(spec, upright.w, upright.h);
  let p = sharp(file, { limitInputPixels: spec.maxPixels, failOn: 'warning' }).rotate();
  p = spec.color === 'grey' ? p.greyscale().toColourspace('b-w') : p.removeAlpha().toColourspace('srgb');
  p = p.resize(t.width, t.height, { fit: 'fill' });
  if (t.crop) p = p.extract({ left: t.crop.left, top: t.crop.top, width: spec.resize.width ?? t.width, height: spec.resize.mode === 'crop' ? spec.resize.height : t.height });
  try {
    const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badRequest(`${which} could not be decoded (truncated or damaged ${meta.format}): ${why}`);
  }
}

/** The width and height every image of the batch is padded to. */
function batchSize(spec: ImageInput, images: Pixels[]): { width: number; height: number } {
  const r = spec.resize;
  if (r.mode !== 'height') return { width: r.width, height: r.height };
  const widest = Math.max(...images.map((i) => i.width));
  return { width: r.width ?? Math.min(r.maxWidth ?? Infinity, Math.max(r.minWidth ?? 1, widest)), height: r.height };
}

/**
 * Image files to the model's input tensor. Decoding and scaling run in libvips on libuv's thread
 * pool, off the event loop; the normalising loop here is one pass over the scaled pixels.
 */
export async function imagesToTensor(files: Buffer[], spec: ImageInput, tensor: string, datatype: 'FP32' | 'FP16' | 'UINT8'): Promise<Tensor> {
  if (files.length === 0) throw badRequest(`Input "${spec.name}" holds no image.`);
  if (files.length > spec.maxBatch) throw badRequest(`Input "${spec.name}" holds ${files.length} images; the limit is ${spec.maxBatch} per request.`);
  const images = await Promise.all(files.map((f, i) => decodeOne(f, spec, i)));
  const { width, height } = batchSize(spec, images);
  const C = spec.color === 'grey' ? 1 : 3;
  const plane = width * height;
  const size = images.length * C * plane;
  const values = new Float32Array(size);
  const mean = Array.from({ length: C }, (_, c) => spec.mean[c] ?? spec.mean[0]!);
  const std = Array.from({ length: C }, (_, c) => spec.std[c] ?? spec.std[0]!);
  const nchw = spec.layout === 'NCHW';
  const raw = datatype === 'UINT8';
  values.fill(raw ? 0 : spec.pad);
  images.forEach((img, n) => {
    const base = n * C * plane;
    const w = Math.min(img.width, width);
    const h = Math.min(img.height, height);
    for (let c = 0; c < C; c++) {
      const src = spec.color === 'bgr' ? 2 - c : c;
      const k = spec.scale / std[c]!;
      const b = mean[c]! / std[c]!;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = img.data[(y * img.width + x) * img.channels + src]!;
          const at = nchw ? base + c * plane + y * width + x : base + (y * width + x) * C + c;
          values[at] = raw ? v : v * k - b;
        }
      }
    }
  });
  const shape = nchw ? [images.length, C, height, width] : [images.length, height, width, C];
  if (datatype === 'FP32') return { name: tensor, datatype, shape, data: values };
  if (datatype === 'UINT8') return { name: tensor, datatype, shape, data: Uint8Array.from(values) };
  const half = new Uint16Array(size);
  for (let i = 0; i < size; i++) half[i] = floatToHalf(values[i]!);
  return { name: tensor, datatype, shape, data: half };
}
