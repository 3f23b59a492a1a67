// The convolution geometries the kernel tests run on: odd sizes, same/valid/explicit padding,
// strides 1-2, 1x1 and 5x5 windows, batch 0 and 1, and the Keras MNIST convnet's layers.
export type Pad = 'same' | 'valid' | number;

export interface Geometry {
  x: number[];
  f: number[];
  strides: number;
  pad: Pad;
  dilations?: number;
}

export const geometries: Geometry[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], f: [3, 2, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 8, 8, 1], f: [5, 5, 1, 2], strides: 1, pad: 'valid' },
  { x: [1, 11, 13, 5], f: [5, 5, 5, 3], strides: 2, pad: 'same' },
  { x: [2, 11, 13, 5], f: [5, 5, 5, 3], strides: 2, pad: 'valid' },
  { x: [3, 5, 5, 2], f: [1, 1, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], f: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { x: [1, 10, 9, 4], f: [3, 3, 4, 2], strides: 2, pad: 1 },
  // The Keras MNIST convnet's layers; a batch spanning several blocks of the im2col matrix.
  { x: [9, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { x: [3, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { x: [0, 5, 5, 2], f: [3, 3, 2, 3], strides: 1, pad: 'same' },
];
