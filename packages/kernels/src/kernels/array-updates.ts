// Registered tfjs kernels that update plain arrays in place and return no tensor: the optimizer
// steps over all of a model's weights (`FnnAdamUpdate`, `FnnSgdUpdate`) and a data-parallel
// trainer's gradient average (`FnnWeightedSum`), each one native call. @fnn/core runs them
// through tfjs's kernel registry where the backend has them, as it runs the fused Dense kernels,
// and its JavaScript loops elsewhere. Arrays travel in attrs: tfjs kernels take tensors as inputs.
import type { Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import { nativeAdamUpdate, nativeSgdUpdate } from '../optimizers.js';
import { tensorValues, variableValues } from '../tensor-data.js';
import { nativeWeightedSum } from '../weighted-sum.js';
import { nativeOnly, type KernelArgs } from './util.js';

export const ADAM_UPDATE = 'FnnAdamUpdate';
export const SGD_UPDATE = 'FnnSgdUpdate';
export const WEIGHTED_SUM = 'FnnWeightedSum';

/**
 * The memory an update writes: arrays as given, a variable's own memory (made exclusive to it)
 * for `params`, a tensor's memory for `grads`. Throws for anything else (a non-float32 tensor).
 */
function arraysOf(kernel: string, name: string, list: unknown, asVariables: boolean): Float32Array[] {
  if (!Array.isArray(list))
    throw new Error(`${kernel}: expected attrs.${name} to be an array, but got ${typeof list}.`);
  return list.map((item, i) => {
    const values =
      item instanceof Float32Array
        ? item
        : asVariables
          ? variableValues(item as Variable)
          : tensorValues(item as Tensor);
    if (!values) throw new Error(`${kernel}: expected ${name}[${i}] to be a float32 array, tensor or variable.`);
    return values;
  });
}

/**
 * attrs: params (Float32Arrays or Variables, updated in place), grads (Float32Arrays or tensors),
 * m, v (Float32Arrays), lr, beta1, beta2, epsilon, step, epsilonForm? — see `nativeAdamUpdate`.
 */
function adamUpdate({ attrs = {} }: KernelArgs): TensorInfo[] {
  nativeAdamUpdate(
    arraysOf(ADAM_UPDATE, 'params', attrs.params, true),
    arraysOf(ADAM_UPDATE, 'grads', attrs.grads, false),
    { m: attrs.m as Float32Array[], v: attrs.v as Float32Array[] },
    attrs as never,
  );
  return [];
}

/** attrs: params, grads (as for Adam), velocities (Float32Arrays, or null without momentum), lr, momentum?, nesterov?. */
function sgdUpdate({ attrs = {} }: KernelArgs): TensorInfo[] {
  nativeSgdUpdate(
    arraysOf(SGD_UPDATE, 'params', attrs.params, true),
    arraysOf(SGD_UPDATE, 'grads', attrs.grads, false),
    (attrs.velocities as Float32Array[] | null | undefined) ?? null,
    attrs as never,
  );
  return [];
}

/** attrs: out, parts (Float32Arrays), weights (numbers) — see `nativeWeightedSum`. */
function weightedSum({ attrs = {} }: KernelArgs): TensorInfo[] {
  nativeWeightedSum(attrs.out as Float32Array, attrs.parts as Float32Array[], attrs.weights as number[]);
  return [];
}

export const arrayUpdateKernels = [
  nativeOnly(ADAM_UPDATE, adamUpdate),
  nativeOnly(SGD_UPDATE, sgdUpdate),
  nativeOnly(WEIGHTED_SUM, weightedSum),
];
