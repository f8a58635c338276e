/**
 * The demo page's script (`demo.js`, bundled against the packaged `edgeml-web.js`): loads the
 * classifier, then classifies an image picked, dropped or (for grayscale models) drawn, showing
 * the model's input, the top 5 with probabilities and where the time went. PNG and JPEG files go
 * through the classifier's own decoder (the bytes every runtime is tested on); other formats are
 * decoded by the browser into pixels. State for tests and tools: `body[data-state]` ('loading',
 * 'ready', 'error'), `body[data-runs]` (classifications shown), `#top5 li[data-label][data-probability]`.
 */
import type { ClassifierInput, PixelImage } from '../../preprocess/image-input.js';
import { loadWebClassifier, type WebClassifier } from './web-runtime.js';

const $ = <T extends Element>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`demo page is missing ${selector}`);
  return element;
};

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

function setState(state: 'loading' | 'ready' | 'error', message = ''): void {
  document.body.dataset['state'] = state;
  const error = $<HTMLParagraphElement>('#error');
  error.textContent = message;
  error.hidden = message === '';
}

/** Draws the tensor the model sees, de-normalised back to 8-bit pixels. */
function drawModelInput(classifier: WebClassifier, input: ClassifierInput): void {
  const { tensor } = classifier.preprocess(input);
  const { width, height, channels, layout, scale, mean, std } = classifier.inputSpec;
  const canvas = $<HTMLCanvasElement>('#model-input');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(width, height);
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const channel = channels === 1 ? 0 : c;
      const at = layout === 'NCHW' ? channel * plane + i : i * channels + channel;
      const value = ((tensor[at] ?? 0) * (std[channel] ?? 1) + (mean[channel] ?? 0)) / scale;
      image.data[i * 4 + c] = Math.round(value);
    }
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function showResult(classifier: WebClassifier, result: Awaited<ReturnType<WebClassifier['classify']>>): void {
  const list = $<HTMLOListElement>('#top5');
  list.replaceChildren(
    ...result.predictions.map((p) => {
      const item = document.createElement('li');
      item.dataset['label'] = p.label;
      item.dataset['probability'] = String(p.probability);
      const name = document.createElement('span');
      name.className = 'label';
      name.textContent = p.label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.setProperty('--p', String(p.probability));
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = `${(p.probability * 100).toFixed(1)}%`;
      item.append(name, bar, value);
      return item;
    }),
  );
  const t = result.timings;
  $<HTMLParagraphElement>('#latency').textContent =
    `${ms(t.total)} total: decode ${ms(t.decode)} · preprocess ${ms(t.preprocess)} · inference ${ms(t.inference)} (${classifier.backend})`;
  document.body.dataset['runs'] = String(Number(document.body.dataset['runs'] ?? '0') + 1);
}

/** Pixels of any image the browser can decode (WebP, GIF, BMP, ...). */
async function browserPixels(blob: Blob): Promise<PixelImage> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas context');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

async function classifyInput(classifier: WebClassifier, input: ClassifierInput): Promise<void> {
  const result = await classifier.classify(input, { topK: 5 });
  drawModelInput(classifier, input);
  showResult(classifier, result);
}

async function classifyFile(classifier: WebClassifier, file: File): Promise<void> {
  const preview = $<HTMLImageElement>('#picked');
  URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isPngOrJpeg = (bytes[0] === 0x89 && bytes[1] === 0x50) || (bytes[0] === 0xff && bytes[1] === 0xd8);
  await classifyInput(classifier, isPngOrJpeg ? bytes : await browserPixels(file));
}

/** A black pad to draw on in white (MNIST-style); each stroke classifies the drawing. */
function setUpDrawing(classifier: WebClassifier, run: (task: () => Promise<void>) => void): void {
  const pad = $<HTMLCanvasElement>('#pad');
  const context = pad.getContext('2d');
  if (!context) return;
  $<HTMLElement>('#draw-panel').hidden = false;
  const clear = () => {
    context.fillStyle = '#000';
    context.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  context.strokeStyle = '#fff';
  context.lineWidth = pad.width / 12;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  let drawing = false;
  const point = (event: PointerEvent) => {
    const box = pad.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * pad.width) / box.width,
      ((event.clientY - box.top) * pad.height) / box.height,
    ] as const;
  };
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x, y);
    context.stroke();
  });
  pad.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
  });
  pad.addEventListener('pointerup', () => {
    drawing = false;
    $<HTMLImageElement>('#picked').hidden = true;
    // Shrink with the browser's smoothing first: a 10x bilinear step alone would alias thin strokes.
    const { width, height } = classifier.inputSpec;
    const small = new OffscreenCanvas(width, height);
    const smallContext = small.getContext('2d');
    if (!smallContext) return;
    smallContext.imageSmoothingQuality = 'high';
    smallContext.drawImage(pad, 0, 0, width, height);
    run(() => classifyInput(classifier, smallContext.getImageData(0, 0, width, height)));
  });
  $<HTMLButtonElement>('#clear').addEventListener('click', clear);
}

async function main(): Promise<void> {
  setState('loading');
  const classifier = await loadWebClassifier({
    modelUrl: new URL('./model/', document.baseURI),
    wasmBase: new URL('./ort/', document.baseURI),
  });
  const { manifest } = classifier;
  $<HTMLElement>('#backend').textContent =
    classifier.runtime === 'edgeml-wasm'
      ? 'compiled WebAssembly (edgeml-wasm)'
      : classifier.backend === 'webgpu'
        ? 'WebGPU (+ wasm)'
        : 'WebAssembly (no WebGPU)';
  $<HTMLElement>('#backend').title = classifier.fallbackReasons.join('\n');
  $<HTMLElement>('#model-name').textContent = manifest.name;
  $<HTMLElement>('#model-info').textContent = [
    manifest.description ?? '',
    `${manifest.labels.length} classes`,
    `input ${manifest.input.shape.join('×')}`,
    `${classifier.file.path} (${classifier.precision}, ${(classifier.file.bytes / 1024).toFixed(0)} KiB)`,
  ]
    .filter((part) => part !== '')
    .join(' · ');
  // One classification at a time, in order; errors are shown, never thrown away.
  let queue = Promise.resolve();
  const run = (task: () => Promise<void>) => {
    queue = queue.then(task).then(
      () => setState('ready'),
      (error: unknown) => setState('error', error instanceof Error ? error.message : String(error)),
    );
  };
  const input = $<HTMLInputElement>('#file');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) run(() => classifyFile(classifier, file));
  });
  const drop = $<HTMLElement>('#drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) run(() => classifyFile(classifier, file));
  });
  if (classifier.inputSpec.channels === 1) setUpDrawing(classifier, run);
  (globalThis as { edgemlDemo?: unknown }).edgemlDemo = { classifier };
  setState('ready');
}

main().catch((error: unknown) => setState('error', error instanceof Error ? error.message : String(error)));
