{
  # One static library per instruction set, each compiled with its own flags (never
  # -march=native: the addon must run on any CPU of its architecture); addon.cc picks one at
  # load time with __builtin_cpu_supports.
  "target_defaults": {
    "cflags": ["-O3", "-fPIC", "-fno-strict-aliasing"],
    "cflags_cc": ["-O3", "-fPIC", "-std=c++17", "-fno-math-errno"],
    "include_dirs": ["native"],
    "xcode_settings": {
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno"],
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
    },
  },
  "targets": [
    {
      "target_name": "fnn_isa_portable",
      "type": "static_library",
      "sources": ["native/isa_portable.cc"],
    },
    {
      "target_name": "fnn_kernels",
      "sources": ["native/addon.cc", "native/weighted_sum.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # weighted_sum.cc rounds as JavaScript does: no fused multiply-add where the baseline has one (arm64).
      "cflags_cc": ["-ffp-contract=off"],
      "dependencies": ["fnn_isa_portable"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["fnn_isa_avx2", "fnn_isa_avx512"],
          "defines": ["FNN_HAVE_X86_TABLES"],
        }],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "fnn_isa_avx2",
          "type": "static_library",
          "sources": ["native/isa_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] },
        },
        {
          "target_name": "fnn_isa_avx512",
          "type": "static_library",
          "sources": ["native/isa_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"],
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"],
          },
        },
      ],
    }],
  ],
}
