// out[i] = sum_j weights[j] * parts[j][i] in double, in part order, rounded once to float: how
// the data-parallel trainer combines its shards' gradients. Compiled without ISA flags (so
// without FMA: products and sums are rounded exactly as JavaScript rounds them, and both paths
// give the same bits); it is memory-bound, so the baseline vector width is enough.
#include <napi.h>

#include <cstdint>
#include <vector>

namespace {

Napi::Value WeightedSum(const Napi::CallbackInfo& info) {
  auto out = info[0].As<Napi::Float32Array>();
  auto list = info[1].As<Napi::Array>();
  auto weightList = info[2].As<Napi::Array>();
  const uint32_t count = list.Length();
  std::vector<const float*> parts(count);
  std::vector<double> weights(count);
  for (uint32_t j = 0; j < count; j++) {
    parts[j] = list.Get(j).As<Napi::Float32Array>().Data();
    weights[j] = weightList.Get(j).As<Napi::Number>().DoubleValue();
  }
  float* o = out.Data();
  const int64_t n = static_cast<int64_t>(out.ElementLength());
  if (count == 2) {
    const float* a = parts[0];
    const float* b = parts[1];
    const double wa = weights[0];
    const double wb = weights[1];
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<float>(wa * a[i] + wb * b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) {
      double s = 0;
      for (uint32_t j = 0; j < count; j++) s += weights[j] * parts[j][i];
      o[i] = static_cast<float>(s);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

namespace fnn {

void RegisterWeightedSum(Napi::Env env, Napi::Object exports) {
  exports["weightedSum"] = Napi::Function::New(env, WeightedSum);
}

}  // namespace fnn
