import { backend_util } from '@tensorflow/tfjs-core';

type Conv2DInfo = backend_util.Conv2DInfo;

/**
 * A window geometry as native/kernels.h's ConvShape reads it, for convolutions and pooling alike
 * (pooling's outChannels is its inChannels).
 */
export function convShape(info: Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  ];
}

type Shape4D = [number, number, number, number];

/** What a convolution kernel's attrs say about its windows (dilations are 1 for the gradients). */
export interface ConvAttrs {
  xShape: number[];
  filterShape: number[];
  attrs: Record<string, unknown>;
  dilations?: number | [number, number];
}

/** tfjs's geometry for an NHWC convolution, or null for NCHW (tfjs-cpu's kernel handles that). */
export function convInfo({ xShape, filterShape, attrs, dilations = 1 }: ConvAttrs): Conv2DInfo | null {
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  const info = backend_util.computeConv2DInfo(
    xShape as Shape4D,
    filterShape as Shape4D,
    attrs.strides as number,
    dilations,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
    false,
    backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | undefined) ?? 'NHWC'),
  );
  return info.dataFormat === 'channelsLast' ? info : null;
}

/** tfjs's geometry for 2-D pooling over an NHWC input. */
export function poolInfo(xShape: number[], attrs: Record<string, unknown>): Conv2DInfo {
  return backend_util.computePool2DInfo(
    xShape as Shape4D,
    attrs.filterSize as number,
    attrs.strides as number,
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
  );
}
