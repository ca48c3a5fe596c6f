import sharp from 'sharp';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A line of black text on white as a PNG, drawn from SVG by libvips in DejaVu Sans (Debian's
 * fonts-dejavu-core); `turned` rotates it by 180°.
 */
export async function renderLine(text: string, { height = 48, fontSize = 32, turned = false } = {}): Promise<Buffer> {
  const width = Math.ceil(text.length * fontSize * 0.7) + 24;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="12" y="${Math.round(height * 0.74)}" font-family="DejaVu Sans" font-size="${fontSize}" fill="black">${escape(text)}</text></svg>`;
  let image = sharp(Buffer.from(svg));
  if (turned) image = image.rotate(180);
  return image.png().toBuffer();
}
