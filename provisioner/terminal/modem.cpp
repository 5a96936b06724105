#include "terminal/modem.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace provisioner::terminal {
namespace {

speed_t termios_speed(unsigned baud) {
    switch (baud) {
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 921600:
            return B921600;
        default:
            break;
    }
    throw sim::InputError(fmt::format(
        "--baud {}: expected one of 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600", baud));
}

std::string errno_text() {
    return std::strerror(errno);
}

bool is_final(const std::string& line, AtStatus& status) {
    if (line == "OK") {
        status = AtStatus::Ok;
        return true;
    }
    if (line == "ERROR" || line.rfind("+CME ERROR:", 0) == 0 || line.rfind("+CMS ERROR:", 0) == 0) {
        status = AtStatus::Error;
        return true;
    }
    return false;
}

std::string joined(const std::vector<std::string>& items) {
    if (items.empty()) return "none";
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : "; ") + s;
    return out;
}

// Splits "1,\"IP\",\"a,b\"" on the commas outside quotes.
std::vector<std::string> split_parameters(const std::string& text) {
    std::vector<std::string> out(1);
    bool in_quotes = false;
    for (const char c : text) {
        if (c == '"') in_quotes = !in_quotes;
        if (c == ',' && !in_quotes) {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

std::string unquoted(std::string text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
    return text;
}

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string describe(const AtAnswer& answer) {
    std::string text = answer.final_line;
    for (const auto& l : answer.lines) text = l + " / " + text;
    return text;
}

}  // namespace

SerialPort::SerialPort(const std::string& path, unsigned baud) : path_(path) {
    const speed_t speed = termios_speed(baud);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw sim::InputError(fmt::format("--port {}: {} (is the modem plugged in?)", path, errno_text()));
    }
    if (!S_ISCHR(st.st_mode)) {
        throw sim::InputError(
            fmt::format("--port {}: not a serial device (a tty such as /dev/ttyUSB0)", path));
    }
    // O_NOCTTY: the modem must not become our controlling terminal; O_NONBLOCK: open() must not wait for
    // carrier detect. Reads then go through poll().
    fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw sim::Error(fmt::format("--port {}: cannot open: {}", path, errno_text()));
    termios tio{};
    if (::isatty(fd_) != 1 || ::tcgetattr(fd_, &tio) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw sim::InputError(
            fmt::format("--port {}: not a serial device (a tty such as /dev/ttyUSB0)", path));
    }
    ::cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;  // ignore modem control lines, enable the receiver
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (::cfsetispeed(&tio, speed) != 0 || ::cfsetospeed(&tio, speed) != 0 ||
        ::tcsetattr(fd_, TCSANOW, &tio) != 0) {
        const std::string why = errno_text();
        ::close(fd_);
        fd_ = -1;
        throw sim::Error(fmt::format("--port {}: cannot configure the line: {}", path, why));
    }
    ::tcflush(fd_, TCIOFLUSH);  // drop unsolicited output queued before we came
}

SerialPort::~SerialPort() {
    if (fd_ >= 0) ::close(fd_);
}

void SerialPort::write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, 100);
            continue;
        }
        if (n < 0) throw ModemError(fmt::format("{}: write failed: {}", path_, errno_text()));
        done += static_cast<std::size_t>(n);
    }
}

bool SerialPort::read_some(std::string& into, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR)
        throw ModemError(fmt::format("{}: poll failed: {}", path_, errno_text()));
    if (ready <= 0) return false;
    if ((p.revents & POLLIN) == 0) {
        // POLLHUP without data: the device went away (modem unplugged, pty closed).
        throw ModemError(fmt::format("{}: the device hung up", path_));
    }
    char buffer[256];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        throw ModemError(fmt::format("{}: read failed: {}", path_, errno_text()));
    }
    if (n > 0) into.append(buffer, static_cast<std::size_t>(n));
    return true;
}

bool take_answer_lines(std::string& pending, const std::string& command, AtAnswer& answer) {
    // A result code ends with CR LF (V.250 §5.7.1); an unfinished line waits for the rest.
    for (auto eol = pending.find_first_of("\r\n"); eol != std::string::npos;
         eol = pending.find_first_of("\r\n")) {
        std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 1);
        // What the modem says reaches the operator's terminal and messages: no control sequence gets there.
        for (char& c : line) {
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) c = '?';
        }
        if (line.empty() || line == command) continue;  // blank line or the modem's echo (ATE1)
        if (is_final(line, answer.status)) {
            answer.final_line = std::move(line);
            return true;
        }
        answer.lines.push_back(std::move(line));
    }
    return false;
}

AtAnswer send_at(SerialPort& port, const std::string& command, std::chrono::milliseconds timeout) {
    port.write_all(command + "\r");
    AtAnswer answer;
    std::string pending;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (take_answer_lines(pending, command, answer)) return answer;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !port.read_some(pending, left)) {
            answer.status = AtStatus::Timeout;
            return answer;
        }
    }
}

std::string masked_command(const std::string& command) {
    const std::string auth = "AT+CGAUTH=";
    if (command.rfind(auth, 0) != 0) return command;
    auto params = split_parameters(command.substr(auth.size()));
    if (params.size() < 4) return command;
    std::string out = auth + params[0] + "," + params[1] + "," + params[2] + ",\"***\"";
    return out;
}

// The APN compared without case, as APNs are DNS labels (TS 23.003 §9.1).
void verify_contexts(const std::string& port, const std::vector<std::string>& commands,
                     const std::vector<std::string>& lines) {
    const std::string set = "AT+CGDCONT=";
    const std::string shown = "+CGDCONT:";
    for (const auto& command : commands) {
        if (command.rfind(set, 0) != 0) continue;
        const auto want = split_parameters(command.substr(set.size()));
        bool found = false;
        for (const auto& line : lines) {
            if (line.rfind(shown, 0) != 0) continue;
            auto got = split_parameters(line.substr(shown.size()));
            for (auto& g : got) g.erase(0, g.find_first_not_of(' '));
            found = found || (got.size() >= 3 && got[0] == want[0] &&
                              lower(unquoted(got[2])) == lower(unquoted(want[2])));
        }
        if (!found) {
            throw ModemError(fmt::format(
                "modem on {}: accepted {} but AT+CGDCONT? does not list context {} with APN {} (answer: {})",
                port, command, want[0], want[2], lines.empty() ? std::string("empty") : joined(lines)));
        }
    }
}

ApplyReport apply_at_commands(SerialPort& port, const std::vector<std::string>& commands,
                              std::chrono::milliseconds timeout,
                              const std::function<void(const std::string&, const AtAnswer&)>& progress) {
    ApplyReport report;
    auto fail = [&](const std::string& command, const AtAnswer& answer) -> ModemError {
        const std::size_t done = report.applied.size();
        const std::vector<std::string> rest(commands.begin() + static_cast<std::ptrdiff_t>(done),
                                            commands.end());
        const std::string what = answer.status == AtStatus::Timeout
                                     ? fmt::format("no answer within {} ms (timeout)", timeout.count())
                                     : fmt::format("answered {}", describe(answer));
        std::vector<std::string> shown_rest;
        for (const auto& r : rest) shown_rest.push_back(masked_command(r));
        return ModemError(fmt::format(
            "modem on {}: {} to {}\n  applied before the failure: {}\n  not applied: {}", port.path(), what,
            masked_command(command), joined(report.applied), joined(shown_rest)));
    };
    const AtAnswer probe = send_at(port, "AT", timeout);
    if (probe.status != AtStatus::Ok) throw fail("AT (probe: is this a modem's AT port?)", probe);
    for (const auto& command : commands) {
        const AtAnswer answer = send_at(port, command, timeout);
        if (answer.status != AtStatus::Ok) throw fail(command, answer);
        report.applied.push_back(masked_command(command));
        if (command == "AT+CGDCONT?") report.check_lines = answer.lines;
        if (progress) progress(masked_command(command), answer);
    }
    verify_contexts(port.path(), commands, report.check_lines);
    return report;
}

}  // namespace provisioner::terminal
