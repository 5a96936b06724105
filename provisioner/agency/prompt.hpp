// What the agency flows ask of the clerk at the counter and tell them. The flows (agency_flows.hpp,
// card_content.hpp) take a card and this interface; the verbs (commands/agency.cpp) own the readers and the
// terminal, and a test gives the flows an in-process card and a scripted prompt.
#pragma once

#include <string>
#include <string_view>

#include "sim/secret.hpp"

namespace provisioner::agency {

class Prompt {
  public:
    Prompt() = default;
    Prompt(const Prompt&) = delete;
    Prompt& operator=(const Prompt&) = delete;
    virtual ~Prompt() = default;

    // Whether code() can give a value at all (given by file or variable, or a terminal to ask on).
    [[nodiscard]] virtual bool can_give_code() const = 0;
    // The value of a code a card asks for (`label`: "the old card's PIN1"), read or asked for now; InputError
    // when there is none.
    [[nodiscard]] virtual sim::SecretBytes code(std::string_view label) = 0;
    // A line for the clerk: what a flow did (a blank card personalised, a card's offer changed).
    virtual void note(const std::string& line) = 0;
};

}  // namespace provisioner::agency
