// The APNs a terminal (phone, USB modem, router) needs from an offer profile, shared by every export format
// and by `terminal apply`. Terminal provisioning only makes sense for an offer with mobile internet: a
// profile without a data APN (twin card, Forfait monétaire bloqué) is refused as bad input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "sim/secret.hpp"

namespace provisioner::terminal {

// The profile's APNs, data APNs first (in profile order), then MMS/IMS ones: modems and routers use the first
// context (cid 1) for data. Throws sim::InputError when the profile has no data APN.
std::vector<Apn> terminal_apns(const Profile& profile);

[[nodiscard]] bool is_mms(const Apn& apn);
// The PDP type as terminals name it (TS 27.007 §10.1.1 <PDP_type>, also Android's apns-conf protocol): "IP",
// "IPV6", "IPV4V6".
[[nodiscard]] const char* pdp_type(IpProtocol protocol);
// True when the APN asks the terminal to authenticate (PAP/CHAP) with a user name.
[[nodiscard]] bool needs_credentials(const Apn& apn);
// "Mobilis internet", "Mobilis MMS": what a handset shows in its APN list.
[[nodiscard]] std::string display_name(const Profile& profile, const Apn& apn);

// The APN password, when the operator has one: it is not part of the profile (profiles are not secret), so it
// comes from --password-file/--password-env and is the same for every APN with credentials.
using ApnPassword = std::optional<sim::SecretBytes>;

// The password as text, for the one document or AT command that must carry it: this copy is wiped when it
// goes out of scope (at the end of the full expression that uses it, for a temporary).
class PasswordText {
  public:
    explicit PasswordText(sim::ByteView password) : text_(password.begin(), password.end()) {}
    PasswordText(const PasswordText&) = delete;
    PasswordText& operator=(const PasswordText&) = delete;
    ~PasswordText() { sim::wipe_text(text_); }

    // NOLINTNEXTLINE(google-explicit-constructor): passed where the documents take text
    operator const std::string&() const { return text_; }
    [[nodiscard]] const char* c_str() const { return text_.c_str(); }

  private:
    std::string text_;
};
// Empty without a password.
[[nodiscard]] PasswordText password_text(const ApnPassword& password);

}  // namespace provisioner::terminal
