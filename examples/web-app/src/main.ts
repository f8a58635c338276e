// Loads the model package in public/model/ with @edgeml/runtime-edge (onnxruntime-web, WebAssembly,
// in the page) and classifies each image the user picks or drops: the top 3 and where the time went.
import {
  type Classifier,
  type ClassifierInput,
  type ClassifyResult,
  createClassifier,
} from '@edgeml/runtime-edge';
import './style.css';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const body = document.body;
const fileInput = $<HTMLInputElement>('file');
const drop = $<HTMLLabelElement>('drop');
const preview = $<HTMLImageElement>('preview');

/** PNG and JPEG go to the runtime as bytes (its decoders give the tensor every runtime gets). */
const SHARED_DECODER_TYPES = new Set(['image/png', 'image/jpeg']);

/** The file as the classifier takes it: its bytes, or for other formats the browser's decoded pixels. */
async function toInput(file: File): Promise<ClassifierInput> {
  if (SHARED_DECODER_TYPES.has(file.type)) return new Uint8Array(await file.arrayBuffer());
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives no 2D canvas to decode the image');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

function showResult(result: ClassifyResult, wallMs: number): void {
  const list = $<HTMLOListElement>('top3');
  list.replaceChildren(
    ...result.predictions.map((p) => {
      const item = document.createElement('li');
      item.dataset['label'] = p.label;
      item.dataset['probability'] = String(p.probability);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(p.probability * 100).toFixed(1)}%`;
      item.append(`${p.label} `, bar, ` ${(p.probability * 100).toFixed(2)}%`);
      return item;
    }),
  );
  const t = result.timings;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  $('timings').textContent =
    `decode ${ms(t.decode)} · preprocess ${ms(t.preprocess)} · inference ${ms(t.inference)} · ` +
    `classify ${ms(t.total)} · file to result ${ms(wallMs)}`;
}

async function classifyFile(classifier: Classifier, file: File): Promise<void> {
  body.dataset['state'] = 'busy';
  $('error').textContent = '';
  const started = performance.now();
  try {
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    const result = await classifier.classify(await toInput(file), { topK: 3 });
    showResult(result, performance.now() - started);
    body.dataset['state'] = 'ready';
  } catch (error) {
    $('error').textContent = `${file.name}: ${(error as Error).message}`;
    body.dataset['state'] = 'error';
  } finally {
    body.dataset['runs'] = String(Number(body.dataset['runs']) + 1);
  }
}

async function start(): Promise<void> {
  const started = performance.now();
  // public/model/ is served at <base>model/: manifest.json and the model file it names.
  const modelUrl = new URL(`${import.meta.env.BASE_URL}model/`, window.location.href);
  const classifier = await createClassifier(modelUrl, { runtime: 'ort-web' });
  const { name, labels, input } = classifier.manifest;
  $('model').textContent =
    `${name}: ${labels.length} classes, input ${input.shape.join('×')}, ${classifier.precision} ` +
    `on onnxruntime-web (WebAssembly), loaded in ${(performance.now() - started).toFixed(0)} ms`;
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void classifyFile(classifier, file);
    fileInput.value = '';
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void classifyFile(classifier, file);
  });
  body.dataset['state'] = 'ready';
}

start().catch((error: Error) => {
  $('model').textContent = 'The model did not load.';
  $('error').textContent =
    `${error.name}: ${error.message} (put a model package in public/model/: see README.md)`;
  body.dataset['state'] = 'error';
});
