// simcard-stub against a fake vpcd: the test listens like pcscd's vpcd driver and speaks its framing
// (2-byte big-endian length + payload; 1-byte control frames). Covers ATR/power frames, APDUs, the state
// file, trace masking, removal (SIGUSR1) / re-insertion (SIGUSR2), reconnecting after a drop, SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "simcard_test_support.hpp"

using simcard_test::bytes;
using simcard_test::hex;

namespace {

std::filesystem::path stub_binary() {
    return std::filesystem::path(SIM_BINARY_DIR) / "firmware-stubs" / "simcard-stub";
}

class Listener {
  public:
    explicit Listener(std::uint16_t port = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("bind");
        ::listen(fd_, 4);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~Listener() { ::close(fd_); }
    std::uint16_t port() const { return port_; }
    // The accepted connection, or -1 when nobody connected within timeout_ms.
    int accept_within(int timeout_ms) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return -1;
        return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

void send_frame(int fd, const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> frame{static_cast<std::uint8_t>(payload.size() >> 8),
                                    static_cast<std::uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
}

bool read_exact(int fd, std::uint8_t* buffer, std::size_t length, int timeout_ms) {
    std::size_t got = 0;
    while (got < length) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        ssize_t n = ::recv(fd, buffer + got, length - got, 0);
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

std::string exchange(int fd, std::string_view payload_hex) {
    send_frame(fd, bytes(payload_hex));
    std::uint8_t header[2];
    if (!read_exact(fd, header, 2, 2000)) return "(no reply)";
    std::vector<std::uint8_t> payload(static_cast<std::size_t>(header[0] << 8 | header[1]));
    if (payload.empty()) return "(empty frame)";
    if (!read_exact(fd, payload.data(), payload.size(), 2000)) return "(short reply)";
    return hex(payload);
}

bool closed_by_peer(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    std::uint8_t b;
    return ::recv(fd, &b, 1, 0) == 0;
}

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class StubTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(std::filesystem::exists(stub_binary())) << "simcard-stub not built: " << stub_binary();
        dir_ = std::filesystem::temp_directory_path() / ("simcard-stub-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        std::filesystem::copy_file(simcard_test::card_path("stub-usim-blank.card"), dir_ / "blank.card",
                                   std::filesystem::copy_options::overwrite_existing);
    }
    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    void start(std::uint16_t port, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{
            stub_binary().string(), "--card", (dir_ / "blank.card").string(), "--state",
            state().string(),       "--port", std::to_string(port),           "--trace",
            trace().string(),       "--quiet"};
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = ::fork();
        if (pid_ == 0) {
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    int stop() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }
    std::filesystem::path state() const { return dir_ / "card.state"; }
    std::filesystem::path trace() const { return dir_ / "card.trace"; }

    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

TEST_F(StubTest, ServesAtrControlAndApdus) {
    Listener vpcd;
    start(vpcd.port());
    int fd = vpcd.accept_within(3000);
    ASSERT_GE(fd, 0);
    auto atr = hex(simcard::CardOs::load(simcard_test::card_path("stub-usim-blank.card")).atr());
    EXPECT_EQ(exchange(fd, "04"), atr);
    send_frame(fd, bytes("01"));  // power on: no reply
    EXPECT_EQ(exchange(fd, "00A4000C023F00"), "9000");
    EXPECT_EQ(exchange(fd, "0020000A083838383838383838"), "9000");
    EXPECT_EQ(exchange(fd, "00D682000489860701"), "9000");
    EXPECT_EQ(exchange(fd, "04"), atr);  // ATR between APDUs
    EXPECT_EQ(exchange(fd, "00B0820004"), "898607019000");

    // State saved after the change; trace masks the ADM value.
    EXPECT_NE(slurp(state()).find("data 89860701\n"), std::string::npos);
    const std::string t = slurp(trace());
    EXPECT_NE(t.find("> 0020000A08 ********\n"), std::string::npos) << t;
    EXPECT_EQ(t.find("3838383838383838"), std::string::npos) << t;
    EXPECT_NE(t.find("< 898607019000\n"), std::string::npos) << t;

    // Many small exchanges must not pay a delayed-ACK penalty each.
    auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) ASSERT_EQ(exchange(fd, "00A4000C023F00"), "9000");
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));

    EXPECT_EQ(stop(), 0);
    ::close(fd);
}

TEST_F(StubTest, RemovalReinsertionAndReconnect) {
    Listener vpcd;
    start(vpcd.port());
    int fd = vpcd.accept_within(3000);
    ASSERT_GE(fd, 0);
    send_frame(fd, bytes("01"));
    EXPECT_EQ(exchange(fd, "0020000108 39393939FFFFFFFF"), "63C2");

    ::kill(pid_, SIGUSR1);  // card pulled out: the stub closes and stays away
    EXPECT_TRUE(closed_by_peer(fd, 2000));
    ::close(fd);
    EXPECT_LT(vpcd.accept_within(600), 0);

    ::kill(pid_, SIGUSR2);  // re-inserted: same card, same counters
    fd = vpcd.accept_within(2000);
    ASSERT_GE(fd, 0);
    send_frame(fd, bytes("01"));
    EXPECT_EQ(exchange(fd, "0020000100"), "63C2");

    ::close(fd);  // pcscd drops the connection: the stub comes back by itself
    fd = vpcd.accept_within(2000);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(exchange(fd, "00200001"), "63C2");
    EXPECT_EQ(stop(), 0);
    ::close(fd);
    EXPECT_NE(slurp(state()).find("code PIN1 0000 tries=2 max=3"), std::string::npos);
}

TEST_F(StubTest, WaitsForVpcdToAppearAndLoadsExistingState) {
    std::uint16_t port = 0;
    { port = Listener().port(); }  // a free port nobody listens on yet
    std::filesystem::copy_file(simcard_test::card_path("stub-usim-populated.card"), state());
    start(port, {"--t0"});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Listener vpcd(port);
    int fd = vpcd.accept_within(2000);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(exchange(fd, "00A40004022FE2"), "6119");  // --t0
    EXPECT_EQ(exchange(fd, "00B0820000"), "6C0A");
    EXPECT_EQ(exchange(fd, "00B082000A"), "988607010000103254F79000");  // from the state file
    EXPECT_EQ(stop(), 0);
    ::close(fd);
}

// Feed mode takes a written card out only at the power-down that ends a station's work. pcscd's own
// power-downs (at insertion, once nobody uses the card: after a crashed client, after pcscd restarted and the
// stub came back) leave a half-written card in the reader for the station that resumes it.
TEST_F(StubTest, FeedTakesAWrittenCardOutOnlyAfterAStationWorkedWithIt) {
    Listener vpcd;
    const auto archive = dir_ / "archive";
    std::filesystem::remove(state());  // feed mode starts from a fresh card with its factory ICCID
    start(vpcd.port(), {"--feed", "--feed-archive", archive.string(), "--feed-delay-ms", "0"});
    int fd = vpcd.accept_within(3000);
    ASSERT_GE(fd, 0);
    send_frame(fd, bytes("01"));
    const std::string factory = exchange(fd, "00B0820000");  // EF.ICCID by SFI, Le 00
    ASSERT_EQ(factory.size(), 24u) << factory;
    EXPECT_EQ(exchange(fd, "0020000A083838383838383838"), "9000");
    EXPECT_EQ(exchange(fd, "00D6820002 9886"), "9000");  // the station starts writing, then goes away

    // pcscd restarts: the connection drops and the stub comes back with the same, half-written card.
    ::close(fd);
    fd = vpcd.accept_within(2000);
    ASSERT_GE(fd, 0);
    send_frame(fd, bytes("01"));  // pcscd powers the new card up for its ATR...
    send_frame(fd, bytes("00"));  // ...and down again, nobody using it
    EXPECT_FALSE(closed_by_peer(fd, 300)) << "the half-written card was taken out by pcscd's power-down";
    send_frame(fd, bytes("01"));  // the next station
    EXPECT_EQ(exchange(fd, "00B0820002"), "98869000") << "not the same card body";
    send_frame(fd, bytes("00"));  // the station is done with it: the feeder takes it out
    EXPECT_TRUE(closed_by_peer(fd, 2000));
    ::close(fd);
    EXPECT_TRUE(std::filesystem::exists(archive / "card-00001.card"));

    fd = vpcd.accept_within(2000);  // a fresh blank card with its own factory ICCID
    ASSERT_GE(fd, 0);
    send_frame(fd, bytes("01"));
    const std::string next = exchange(fd, "00B0820000");
    EXPECT_EQ(next.size(), 24u) << next;
    EXPECT_NE(next, factory);
    // The state file follows the body in the reader (it once kept the taken-out card: a restarted stub would
    // have put an archived, issued card back in).
    EXPECT_NE(slurp(state()).find("data " + next.substr(0, 20)), std::string::npos) << slurp(state());
    // A station that only read the card (nothing written) powers it down: it stays in.
    send_frame(fd, bytes("00"));
    EXPECT_FALSE(closed_by_peer(fd, 300));
    EXPECT_EQ(stop(), 0);
    ::close(fd);
    EXPECT_FALSE(std::filesystem::exists(archive / "card-00002.card"));
}

}  // namespace
