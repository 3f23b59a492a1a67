import type { Tensor } from '../tf.js';
import type { CallContext } from '../engine/context.js';
import type { Node } from '../engine/node.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';
import { Conv2D, fusedBackwardAttrs, fusedGradients } from './conv2d.js';
import type { CallResult, Layer, LayerGradients } from './layer.js';
import { MaxPooling2D } from './max-pooling2d.js';

/*
 * A Conv2D layer with relu whose output only a MaxPooling2D layer reads, run as one kernel each
 * way where the backend registers it (@fnn/kernels' native): the convolution's output (11 MB for
 * the Keras MNIST convnet's first layer at batch 128) is pooled in cache and never written to
 * memory, nor read back by the pool's backward pass. The two layers stay two layers (summary,
 * weights, save/load); only the graph's execution pairs them (engine/graph.ts), with the bits of
 * running them one after the other.
 */

/** Whether `conv` then `pool` fit the fused kernel: relu, and pool windows that tile the convolution's output. */
export function fusesWithMaxPool(conv: Layer, pool: Layer): conv is Conv2D {
  return (
    conv instanceof Conv2D &&
    conv.activation.name === 'relu' &&
    pool instanceof MaxPooling2D &&
    pool.padding === 'valid' &&
    pool.strides[0] === pool.poolSize[0] &&
    pool.strides[1] === pool.poolSize[1]
  );
}

interface ConvPoolSaved {
  conv: Conv2D;
  pool: MaxPooling2D;
  x: Tensor;
  pooled: Tensor;
}

/** The pair's forward pass in one kernel, or undefined where the backend cannot run it (then the layers run). */
export function conv2dMaxPoolCall(conv: Conv2D, pool: MaxPooling2D, x: Tensor): CallResult | undefined {
  if (x.dtype !== 'float32' || !hasFused(FUSED.conv2dMaxPool)) return undefined;
  const bias = conv.bias?.read();
  const [pooled] = runFused(
    FUSED.conv2dMaxPool,
    { x, filter: conv.kernel!.read(), ...(bias ? { bias } : {}) },
    { strides: conv.strides, pad: conv.padding, poolSize: pool.poolSize },
  );
  return { output: pooled!, saved: { conv, pool, x, pooled: pooled! } satisfies ConvPoolSaved };
}

/** The pair's backward pass from the pooled output's gradient: the Conv2D layer's gradients. */
export function conv2dMaxPoolBackward(
  dy: Tensor,
  saved: unknown,
  context: CallContext,
  needsInputGradients: boolean,
): LayerGradients {
  const { conv, pool, x, pooled } = saved as ConvPoolSaved;
  const bias = conv.bias?.read();
  const outs = runFused(
    FUSED.conv2dMaxPoolBackward,
    { x, y: pooled, dy, filter: conv.kernel!.read(), ...(bias ? { bias } : {}) },
    { ...fusedBackwardAttrs(conv, context, needsInputGradients), poolSize: pool.poolSize },
  );
  return fusedGradients(conv, outs, needsInputGradients);
}

/**
 * The graph's Conv2D nodes that fuse with the one node reading their output (not a graph
 * output itself): conv node → pool node.
 */
export function convPoolPairs(nodes: Node[], outputs: SymbolicTensor[]): Map<Node, Node> {
  const readers = new Map<number, Node[]>();
  for (const node of nodes) for (const t of node.inputTensors) readers.set(t.id, [...(readers.get(t.id) ?? []), node]);
  const outputIds = new Set(outputs.map((t) => t.id));
  const pairs = new Map<Node, Node>();
  for (const node of nodes) {
    const [pool, ...others] = readers.get(node.outputTensor.id) ?? [];
    if (!pool || others.length > 0 || outputIds.has(node.outputTensor.id) || pool.inputTensors.length !== 1) continue;
    if (fusesWithMaxPool(node.outboundLayer, pool.outboundLayer)) pairs.set(node, pool);
  }
  return pairs;
}
