import { ValueError, describeValue } from '../errors.js';
import { Initializer } from './initializer.js';
import { Constant, Ones, Zeros } from './constant.js';
import {
  RandomNormal,
  RandomUniform,
  TruncatedNormal,
  type RandomNormalArgs,
  type RandomUniformArgs,
} from './random-distributions.js';
import {
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  LeCunNormal,
  LeCunUniform,
  VarianceScaling,
  type SeedArgs,
  type VarianceScalingArgs,
} from './variance-scaling.js';

export { Initializer, VarianceScaling };

/** Names accepted wherever an initializer is expected (tfjs-layers' camelCase and Keras's snake_case). */
const BY_NAME: Record<string, () => Initializer> = {
  glorotUniform: () => new GlorotUniform(),
  glorotNormal: () => new GlorotNormal(),
  heNormal: () => new HeNormal(),
  heUniform: () => new HeUniform(),
  leCunNormal: () => new LeCunNormal(),
  leCunUniform: () => new LeCunUniform(),
  randomNormal: () => new RandomNormal(),
  randomUniform: () => new RandomUniform(),
  truncatedNormal: () => new TruncatedNormal(),
  zeros: () => new Zeros(),
  ones: () => new Ones(),
};

/** Serialized class names (as in model.json) to constructors taking the config. */
const BY_CLASS_NAME: Record<string, (config: Record<string, unknown>) => Initializer> = {
  GlorotUniform: (c) => new GlorotUniform(seedOf(c)),
  GlorotNormal: (c) => new GlorotNormal(seedOf(c)),
  HeNormal: (c) => new HeNormal(seedOf(c)),
  HeUniform: (c) => new HeUniform(seedOf(c)),
  LeCunNormal: (c) => new LeCunNormal(seedOf(c)),
  LeCunUniform: (c) => new LeCunUniform(seedOf(c)),
  VarianceScaling: (c) => new VarianceScaling(varianceScalingArgs(c)),
  RandomNormal: (c) => new RandomNormal(nullToUndefined(c) as RandomNormalArgs),
  TruncatedNormal: (c) => new TruncatedNormal(nullToUndefined(c) as RandomNormalArgs),
  RandomUniform: (c) => new RandomUniform(nullToUndefined(c) as RandomUniformArgs),
  Zeros: () => new Zeros(),
  Ones: () => new Ones(),
  Constant: (c) => new Constant({ value: Number(c.value ?? 0) }),
};

function nullToUndefined(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));
}
function seedOf(config: Record<string, unknown>): SeedArgs {
  return typeof config.seed === 'number' ? { seed: config.seed } : {};
}
function varianceScalingArgs(config: Record<string, unknown>): VarianceScalingArgs {
  const mode = String(config.mode ?? 'fanIn').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const distribution = String(config.distribution ?? 'normal').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return {
    ...seedOf(config),
    scale: Number(config.scale ?? 1),
    mode: mode as VarianceScalingArgs['mode'],
    distribution: distribution as VarianceScalingArgs['distribution'],
  };
}

export type InitializerIdentifier = keyof typeof BY_NAME | string;

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Resolves an initializer given by name, instance or serialized `{className, config}`. */
export function getInitializer(
  identifier:
    | InitializerIdentifier
    | Initializer
    | { className?: string; class_name?: string; config?: Record<string, unknown> },
  owner = 'initializer',
): Initializer {
  if (identifier instanceof Initializer) return identifier;
  if (typeof identifier === 'string') {
    const byName = BY_NAME[snakeToCamel(identifier)];
    if (byName) return byName();
    const byClassName = BY_CLASS_NAME[identifier];
    if (byClassName) return byClassName({});
    throw new ValueError(
      `${owner}: unknown initializer ${describeValue(identifier)}; expected one of ${Object.keys(BY_NAME).join(', ')}.`,
    );
  }
  if (identifier !== null && typeof identifier === 'object') {
    const className = identifier.className ?? identifier.class_name;
    const make = className === undefined ? undefined : BY_CLASS_NAME[className];
    if (make) return make(identifier.config ?? {});
    throw new ValueError(
      `${owner}: unknown initializer class ${describeValue(className)}; expected one of ${Object.keys(BY_CLASS_NAME).join(', ')}.`,
    );
  }
  throw new ValueError(`${owner}: expected an initializer name or instance, but got ${describeValue(identifier)}.`);
}

/** Serialized form used in model.json, as tfjs-layers writes it. */
export function serializeInitializer(initializer: Initializer): {
  class_name: string;
  config: Record<string, unknown>;
} {
  return { class_name: initializer.className, config: initializer.getConfig() };
}

/** Factories, as `tf.initializers.*`. */
export const initializers = {
  glorotUniform: (args?: SeedArgs) => new GlorotUniform(args),
  glorotNormal: (args?: SeedArgs) => new GlorotNormal(args),
  heNormal: (args?: SeedArgs) => new HeNormal(args),
  heUniform: (args?: SeedArgs) => new HeUniform(args),
  leCunNormal: (args?: SeedArgs) => new LeCunNormal(args),
  leCunUniform: (args?: SeedArgs) => new LeCunUniform(args),
  varianceScaling: (args?: VarianceScalingArgs) => new VarianceScaling(args),
  randomNormal: (args?: RandomNormalArgs) => new RandomNormal(args),
  truncatedNormal: (args?: RandomNormalArgs) => new TruncatedNormal(args),
  randomUniform: (args?: RandomUniformArgs) => new RandomUniform(args),
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: (args: { value: number }) => new Constant(args),
};
