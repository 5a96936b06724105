// Sending AT commands to a modem on a serial device (USB modems show up as /dev/ttyUSBn or /dev/ttyACMn).
// The line is set raw (termios) at the chosen speed; each command is written with CR (V.250 §5.2.1: S3) and
// the answer read until a final result code — OK, ERROR, +CME ERROR: <err> (TS 27.007 §9.2), +CMS ERROR —
// or the timeout. Echoed command lines and intermediate result lines are kept as the answer's text.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "sim/error.hpp"

namespace provisioner::terminal {

// The modem refused a command or stopped answering (exit 1).
class ModemError : public sim::Error {
  public:
    using sim::Error::Error;
};

// An open serial device; the descriptor is closed on destruction.
class SerialPort {
  public:
    // Throws InputError when `path` is missing or not a terminal device, sim::Error when it cannot be opened
    // or configured, InputError for a speed termios does not know.
    SerialPort(const std::string& path, unsigned baud);
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;
    ~SerialPort();

    void write_all(const std::string& data);
    // Appends what arrives within `timeout` (at least one byte, or nothing on timeout). False on timeout.
    bool read_some(std::string& into, std::chrono::milliseconds timeout);
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    std::string path_;
    int fd_ = -1;
};

enum class AtStatus { Ok, Error, Timeout };

struct AtAnswer {
    AtStatus status = AtStatus::Timeout;
    std::vector<std::string> lines;  // information lines (echo removed)
    std::string final_line;          // "OK", "ERROR", "+CME ERROR: 3"; empty on timeout
};

// Sends one command and reads its answer.
AtAnswer send_at(SerialPort& port, const std::string& command, std::chrono::milliseconds timeout);

// The command as it may be shown: the password of AT+CGAUTH replaced by ***.
std::string masked_command(const std::string& command);

struct ApplyReport {
    std::vector<std::string> applied;      // commands answered OK, in order
    std::vector<std::string> check_lines;  // the answer to the final AT+CGDCONT?
};

// Probes the modem with "AT", then sends `commands` one by one, calling `progress` after each OK, and checks
// that AT+CGDCONT? lists every context defined. Throws ModemError naming the command, the modem's answer (or
// the timeout) and the commands applied before it and not applied. Passwords never appear in messages.
ApplyReport apply_at_commands(SerialPort& port, const std::vector<std::string>& commands,
                              std::chrono::milliseconds timeout,
                              const std::function<void(const std::string&, const AtAnswer&)>& progress);

}  // namespace provisioner::terminal
