// Host-side cost of the authentication algorithms: what verifying thousands of cards spends in libsim.
//   build-bench/bench/auth_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/bytes.hpp"
#include "sim/secret.hpp"

namespace {

const sim::SecretBytes kK = sim::SecretBytes::from_hex("465b5ce8b199b49faa5f0a2ee238a6bc", "K");
const sim::SecretBytes kOpc = sim::SecretBytes::from_hex("cd63cb71954a9f4e48a5994e37a02baf", "OPc");

sim::auth::Rand rand_for(std::uint64_t i) {
    sim::auth::Rand r{};
    for (std::size_t b = 0; b < 8; ++b) r[b] = static_cast<std::uint8_t>(i >> (8 * b));
    return r;
}

// One full vector (f1..f5*) with a key object reused across calls: the per-card verification cost.
void BM_MilenageVector(benchmark::State& state) {
    const auto m = sim::auth::Milenage::from_opc(kK, kOpc);
    const sim::auth::Sqn sqn = sim::auth::sqn_from_int(0x20);
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(m.compute(rand_for(i++), sqn, sim::auth::Amf{}));
}
BENCHMARK(BM_MilenageVector);

// Key setup included: what a fresh Milenage object per card would cost.
void BM_MilenageKeySetupAndVector(benchmark::State& state) {
    const sim::auth::Sqn sqn = sim::auth::sqn_from_int(0x20);
    std::uint64_t i = 0;
    for (auto _ : state) {
        const auto m = sim::auth::Milenage::from_opc(kK, kOpc);
        benchmark::DoNotOptimize(m.compute(rand_for(i++), sqn, sim::auth::Amf{}));
    }
}
BENCHMARK(BM_MilenageKeySetupAndVector);

void BM_Comp128v1(benchmark::State& state) {
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(sim::auth::comp128v1(kK, rand_for(i++)));
}
BENCHMARK(BM_Comp128v1);

}  // namespace

BENCHMARK_MAIN();
