// Issue 11, class 1: a model file must not read files outside its folder, devices or pipes, and
// must read weights only up to the sizes its manifest declares. Real files in a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadModel, resetNames, setBackend, tf, type LayersModel, type Tensor } from '../index.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';
import type { ModelJson } from './model-artifacts.js';
import { expectRefused as expectRefusedBy, literally as regex, randomizeWeights, tempFolders } from './test-support.js';

const folders = tempFolders('fnn-model-files-');
beforeAll(async () => {
  await setBackend('cpu');
  await folders.create();
});
afterAll(folders.remove);
const root = () => folders.root();

let count = 0;
/** exercise1 (551 float32 values, 2204 bytes of weights) saved in a fresh folder, and its model.json. */
async function savedModel(): Promise<{ dir: string; modelJson: string; json: ModelJson; model: LayersModel }> {
  resetNames();
  const model = lesson.exercise1() as LayersModel;
  randomizeWeights(model, count);
  const dir = join(root(), `model${count++}`);
  await model.save(dir);
  const modelJson = join(dir, 'model.json');
  return { dir, modelJson, json: JSON.parse(await readFile(modelJson, 'utf8')), model };
}

async function withPaths(modelJson: string, json: ModelJson, paths: unknown[]): Promise<void> {
  json.weightsManifest[0]!.paths = paths as string[]; // hostile on purpose: the loader must check them
  await writeFile(modelJson, JSON.stringify(json));
}

/** Loading `url` fails with a ValueError matching `message`, and leaves no tensor behind. */
const expectRefused = (url: string, message: string | RegExp) => expectRefusedBy(() => loadModel(url), message);

async function expectSamePredictions(loaded: LayersModel, model: LayersModel): Promise<void> {
  const x = tf.randomUniform([4, 10], -1, 1, 'float32', 3);
  const a = (loaded.predict(x) as Tensor).dataSync();
  const b = (model.predict(x) as Tensor).dataSync();
  expect(Array.from(a)).toEqual(Array.from(b));
}

describe('weight paths stay inside the model folder', () => {
  test('an absolute path is refused without opening or measuring the file', async () => {
    const { modelJson, json } = await savedModel();
    // An outside file of exactly the right size would otherwise load as weights.
    const outside = join(root(), 'outside.bin');
    await writeFile(outside, new Uint8Array(2204).fill(7));
    await withPaths(modelJson, json, [outside]);
    const error = await expectRefused(
      modelJson,
      regex(
        `loadModel: weights file ${outside} (listed in ${modelJson}) is an absolute path; weight files must be named relative to the model's folder`,
      ),
    );
    await withPaths(modelJson, json, ['/etc/passwd']);
    const passwd = await expectRefused(modelJson, /\/etc\/passwd .* is an absolute path/);
    // Nothing about the outside file's size leaks into the message.
    expect(passwd.message).not.toContain(String((await stat('/etc/passwd')).size));
    expect(error.message).not.toContain('2204');
  });

  test('".." out of the folder is refused, even when it comes back through a symbolic link', async () => {
    const { dir, modelJson, json } = await savedModel();
    await writeFile(join(root(), 'right-size.bin'), new Uint8Array(2204));
    for (const path of ['../right-size.bin', '../../../../../../../../etc/passwd', 'sub/../../right-size.bin']) {
      await withPaths(modelJson, json, [path]);
      const error = await expectRefused(
        modelJson,
        regex(`(listed in ${modelJson}) leads outside the model's folder ${dir}; weight files must be inside it`),
      );
      expect(error.message).toContain(path.startsWith('sub') ? join(root(), 'right-size.bin') : '');
    }
  });

  test('a symbolic link inside the folder that points outside (a file, /dev/zero, nowhere) is refused', async () => {
    const { dir, modelJson, json } = await savedModel();
    await writeFile(join(root(), 'target.bin'), new Uint8Array(2204));
    await symlink(join(root(), 'target.bin'), join(dir, 'to-file.bin'));
    await symlink('/dev/zero', join(dir, 'to-zero.bin'));
    await symlink(join(root(), 'does-not-exist.bin'), join(dir, 'dangling.bin'));
    await mkdir(join(dir, 'sub'));
    await symlink('../..', join(dir, 'sub', 'up'));
    for (const path of ['to-file.bin', 'to-zero.bin', 'dangling.bin', 'sub/up/target.bin']) {
      await withPaths(modelJson, json, [path]);
      await expectRefused(modelJson, regex(`leads outside the model's folder ${dir}`));
    }
    // ".." is resolved as written (as path.join does), so "sub/up/.." is "sub", not the link's parent.
    await withPaths(modelJson, json, ['sub/up/../target.bin']);
    await expectRefused(
      modelJson,
      regex(`weights file ${join(dir, 'sub', 'target.bin')} (listed in ${modelJson}) does not exist.`),
    );
  });

  test('links and subfolders that stay inside the folder load normally', async () => {
    const { dir, modelJson, json, model } = await savedModel();
    await mkdir(join(dir, 'shards'));
    const bytes = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'shards', 'a.bin'), bytes.subarray(0, 1000));
    await writeFile(join(dir, 'shards', 'b.bin'), bytes.subarray(1000));
    await symlink('shards/b.bin', join(dir, 'b-link.bin'));
    // tfjs writes shards as several paths of one group; "./" and "x/../" stay inside.
    await withPaths(modelJson, json, ['./shards/a.bin', 'shards/../b-link.bin']);
    const loaded = await loadModel(modelJson);
    await expectSamePredictions(loaded, model);
    // The folder itself reached through a link.
    await symlink(dir, join(root(), `link-to-${count}`));
    const throughLink = await loadModel(`file://${join(root(), `link-to-${count}`, 'model.json')}`);
    await expectSamePredictions(throughLink, model);
    loaded.dispose();
    throughLink.dispose();
  });

  test('a path that is empty, not a string, holds a NUL or names the folder itself is refused', async () => {
    const { modelJson, json } = await savedModel();
    await withPaths(modelJson, json, ['']);
    await expectRefused(modelJson, /is empty; weight files must be named relative to the model's folder/);
    await withPaths(modelJson, json, [42]);
    await expectRefused(modelJson, /expected weightsManifest paths to be file names, but got 42\./);
    await withPaths(modelJson, json, ['weights.bin\0.png']);
    await expectRefused(modelJson, /contains a NUL character; weight files must be named relative/);
    await withPaths(modelJson, json, ['.']);
    await expectRefused(modelJson, /leads outside the model's folder/);
  });
});

describe('only regular files are read, and only as many bytes as the manifest declares', () => {
  test('a directory, a named pipe and a device inside the folder are refused at once', async () => {
    const { dir, modelJson, json } = await savedModel();
    await mkdir(join(dir, 'folder.bin'));
    await withPaths(modelJson, json, ['folder.bin']);
    await expectRefused(
      modelJson,
      regex(`weights file ${join(dir, 'folder.bin')} (listed in ${modelJson}) is a directory, not a regular file.`),
    );
    // Opening a FIFO for reading blocks until a writer comes; the load must not wait for one.
    execFileSync('mkfifo', [join(dir, 'pipe.bin')]);
    await withPaths(modelJson, json, ['pipe.bin']);
    await expectRefused(
      modelJson,
      regex(`${join(dir, 'pipe.bin')} (listed in ${modelJson}) is a named pipe, not a regular file.`),
    );
    // A device node inside the folder (needs the right to create one; this sandbox runs as root).
    let device = true;
    try {
      execFileSync('mknod', [join(dir, 'zero.bin'), 'c', '1', '5'], { stdio: 'ignore' });
    } catch {
      device = false;
    }
    if (device) {
      await withPaths(modelJson, json, ['zero.bin']);
      await expectRefused(modelJson, /zero\.bin .* is a device, not a regular file\.|cannot read/);
    }
  });

  test('weight files longer or shorter than the manifest are refused before they are read', async () => {
    const { dir, modelJson, json } = await savedModel();
    // A sparse 4 GiB file: reading it would take seconds and 4 GiB; the size check takes none.
    await writeFile(join(dir, 'huge.bin'), '');
    await truncate(join(dir, 'huge.bin'), 4 * 1024 ** 3);
    await withPaths(modelJson, json, ['huge.bin']);
    await expectRefused(
      modelJson,
      regex(
        `weights file ${join(dir, 'huge.bin')} (listed in ${modelJson}) holds 4294967296 bytes, but the weightsManifest lists 551 float32 values (2204 bytes): the file is longer than expected`,
      ),
    );
    const bytes = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'a.bin'), bytes.subarray(0, 100));
    await writeFile(join(dir, 'b.bin'), bytes.subarray(100, 2000));
    await withPaths(modelJson, json, ['a.bin', 'b.bin']);
    await expectRefused(
      modelJson,
      regex(
        `weights files a.bin, b.bin (listed in ${modelJson}) hold 2000 bytes, but the weightsManifest lists 551 float32 values (2204 bytes): the files are truncated`,
      ),
    );
  });

  test('model.json itself must be a regular file of bounded size', async () => {
    await expectRefused('/dev/zero', /loadModel: model file \/dev\/zero is a device, not a regular file\./);
    const dir = join(root(), `json${count++}`);
    await mkdir(dir);
    execFileSync('mkfifo', [join(dir, 'model.json')]);
    await expectRefused(dir, regex(`model file ${join(dir, 'model.json')} is a named pipe, not a regular file.`));
    const big = join(root(), `big${count++}.json`);
    await writeFile(big, '');
    await truncate(big, 64 * 1024 * 1024);
    await expectRefused(
      big,
      regex(`model file ${big} has 67108864 bytes; a model.json may have at most 33554432 (32 MiB).`),
    );
  });
});
