// LD_PRELOAD shim for bench/host_cost: adds up the CPU time the calling threads spend inside the PC/SC client
// library (SCardTransmit, SCardGetStatusChange, …) so the host cost of a card can be split into "talking to
// the card through pcscd" and everything else. CPU time of the thread (CLOCK_THREAD_CPUTIME_ID), not wall
// time: a thread blocked waiting for the card's answer costs nothing. Written at exit to
// $SIM_PCSC_CPU_OUT as "pcsc_cpu_us=… pcsc_calls=…". Bench only; never linked into the tools.
#include <dlfcn.h>
#include <winscard.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {

std::atomic<long long> g_ns{0};
std::atomic<long long> g_calls{0};

long long thread_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<long long>(t.tv_sec) * 1'000'000'000LL + t.tv_nsec;
}

template <typename Fn>
Fn next(const char* name) {
    return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// Calls the real function and charges the thread's CPU time spent in it.
template <typename Fn, typename... Args>
LONG timed(Fn real, Args... args) {
    const long long start = thread_ns();
    const LONG rv = real(args...);
    g_ns += thread_ns() - start;
    ++g_calls;
    return rv;
}

struct Report {
    ~Report() {
        const char* path = std::getenv("SIM_PCSC_CPU_OUT");
        if (path == nullptr) return;
        if (std::FILE* f = std::fopen(path, "w")) {
            std::fprintf(f, "pcsc_cpu_us=%lld pcsc_calls=%lld\n", g_ns.load() / 1000, g_calls.load());
            std::fclose(f);
        }
    }
} g_report;

}  // namespace

#define SIM_SHIM(name, params, args)                           \
    extern "C" LONG name params {                              \
        static const auto real = next<decltype(&name)>(#name); \
        return timed(real, SIM_UNPAREN args);                  \
    }
#define SIM_UNPAREN(...) __VA_ARGS__

SIM_SHIM(SCardEstablishContext, (DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx),
         (scope, r1, r2, ctx))
SIM_SHIM(SCardReleaseContext, (SCARDCONTEXT ctx), (ctx))
SIM_SHIM(SCardListReaders, (SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len),
         (ctx, groups, readers, len))
SIM_SHIM(SCardGetStatusChange, (SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE* states, DWORD n),
         (ctx, timeout, states, n))
SIM_SHIM(SCardConnect,
         (SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD protocols, LPSCARDHANDLE card, LPDWORD active),
         (ctx, reader, share, protocols, card, active))
SIM_SHIM(SCardReconnect, (SCARDHANDLE card, DWORD share, DWORD protocols, DWORD init, LPDWORD active),
         (card, share, protocols, init, active))
SIM_SHIM(SCardDisconnect, (SCARDHANDLE card, DWORD disposition), (card, disposition))
SIM_SHIM(SCardBeginTransaction, (SCARDHANDLE card), (card))
SIM_SHIM(SCardEndTransaction, (SCARDHANDLE card, DWORD disposition), (card, disposition))
SIM_SHIM(SCardStatus,
         (SCARDHANDLE card, LPSTR name, LPDWORD name_len, LPDWORD state, LPDWORD protocol, LPBYTE atr,
          LPDWORD atr_len),
         (card, name, name_len, state, protocol, atr, atr_len))
SIM_SHIM(SCardTransmit,
         (SCARDHANDLE card, const SCARD_IO_REQUEST* send_pci, LPCBYTE send, DWORD send_len,
          SCARD_IO_REQUEST* recv_pci, LPBYTE recv, LPDWORD recv_len),
         (card, send_pci, send, send_len, recv_pci, recv, recv_len))
SIM_SHIM(SCardControl,
         (SCARDHANDLE card, DWORD code, LPCVOID in, DWORD in_len, LPVOID out, DWORD out_len,
          LPDWORD returned),
         (card, code, in, in_len, out, out_len, returned))
SIM_SHIM(SCardGetAttrib, (SCARDHANDLE card, DWORD id, LPBYTE attr, LPDWORD len), (card, id, attr, len))
SIM_SHIM(SCardCancel, (SCARDCONTEXT ctx), (ctx))
SIM_SHIM(SCardIsValidContext, (SCARDCONTEXT ctx), (ctx))
