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

// Moves the complete lines at the front of `pending` (what the modem sent so far) into `answer`, dropping
// blank lines and the echo of `command`; bytes outside printable ASCII become '?' (a modem's answer is shown
// to the operator and must not carry terminal control sequences). True when a final result code ended the
// answer (status and final_line set); what follows it, or an unfinished line, stays in `pending`.
bool take_answer_lines(std::string& pending, const std::string& command, AtAnswer& answer);

// Sends one command and reads its answer.
AtAnswer send_at(SerialPort& port, const std::string& command, std::chrono::milliseconds timeout);

// The command as it may be shown: the password of AT+CGAUTH replaced by ***.
std::string masked_command(const std::string& command);

// Every context an AT+CGDCONT= of `commands` defines must be listed, with the same cid and APN, in `lines`,
// the +CGDCONT: lines of the modem's AT+CGDCONT? answer. Throws ModemError naming what is missing.
void verify_contexts(const std::string& port, const std::vector<std::string>& commands,
                     const std::vector<std::string>& lines);

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
