#include "about/cli_reference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <string_view>

#include "sim/error.hpp"

namespace provisioner {

namespace {

// Verbs only: CLI11 also models option groups as nameless sub-apps.
std::vector<CLI::App*> verbs_of(CLI::App& app) {
    return app.get_subcommands([](CLI::App* sub) { return !sub->get_name().empty(); });
}

// The options a user can type at this level, option groups included; hidden ones (empty group) left out.
std::vector<const CLI::Option*> options_of(CLI::App& app) {
    std::vector<const CLI::Option*> out;
    for (const CLI::Option* opt : app.get_options()) {
        if (!opt->get_group().empty()) out.push_back(opt);
    }
    for (CLI::App* group : app.get_subcommands([](CLI::App* sub) { return sub->get_name().empty(); })) {
        for (const CLI::Option* opt : options_of(*group)) out.push_back(opt);
    }
    return out;
}

bool takes_value(const CLI::Option& opt) {
    return opt.get_type_size_max() > 0;
}

std::vector<std::string> switches_of(const CLI::Option& opt) {
    std::vector<std::string> out;
    for (const auto& s : opt.get_snames()) out.push_back("-" + s);
    for (const auto& l : opt.get_lnames()) out.push_back("--" + l);
    return out;
}

// ---- roff
// ---------------------------------------------------------------------------------------------------

// Text as roff prints it literally: backslashes escaped, hyphens as minus signs (what a user types), and a
// line starting with a control character ('.' or ''') protected.
std::string roff(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (const char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else {
            out += c;
        }
        line_start = c == '\n';
    }
    return out;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string option_entry(const CLI::Option& opt) {
    std::string head;
    if (opt.get_positional()) {
        head = fmt::format("\\fI{}\\fR", roff(opt.get_name(true)));
    } else {
        for (const auto& sw : switches_of(opt)) {
            if (!head.empty()) head += ", ";
            head += fmt::format("\\fB{}\\fR", roff(sw));
        }
        if (takes_value(opt)) head += fmt::format(" \\fI{}\\fR", roff(opt.get_type_name()));
    }
    if (opt.get_required()) head += " (required)";
    return fmt::format(".TP\n{}\n{}\n", head, roff(opt.get_description()));
}

std::string options_section(CLI::App& app) {
    std::string out;
    for (const CLI::Option* opt : options_of(app)) out += option_entry(*opt);
    return out;
}

std::string header(const std::string& page, const std::string& version) {
    return fmt::format(
        ".\\\" Generated from the provisioner's CLI definition (provisioner --write-man-pages): do not "
        "edit.\n"
        ".TH {} 1 \"\" \"provisioner {}\" \"OPT-NC SIM toolkit\"\n",
        upper(page), version);
}

std::string exit_status() {
    return ".SH EXIT STATUS\n"
           ".TP\n0\nsuccess\n"
           ".TP\n1\ncard or reader failure (for \\fBissue\\fR: the order is not complete)\n"
           ".TP\n2\nbad input\n"
           ".TP\n3\nrefused for safety\n"
           ".TP\n4\ncard check failed: wrong card type, read\\-back differs, or key proof failed\n";
}

std::string synopsis(const std::string& path, CLI::App& app) {
    std::string out = fmt::format(".B {}\n", roff(path));
    for (const CLI::Option* opt : options_of(app)) {
        if (!opt->get_required()) continue;
        if (opt->get_positional()) {
            out += fmt::format("\\fI{}\\fR\n", roff(opt->get_name(true)));
        } else {
            out += fmt::format("\\fB{}\\fR", roff(switches_of(*opt).back()));
            out += takes_value(*opt) ? fmt::format(" \\fI{}\\fR\n", roff(opt->get_type_name())) : "\n";
        }
    }
    out += "[\\fIOPTIONS\\fR]\n";
    if (!verbs_of(app).empty()) out += "\\fICOMMAND\\fR ...\n";
    return out;
}

std::string description(CLI::App& app) {
    std::string out = roff(app.get_description()) + "\n";
    if (const std::string footer = app.get_footer(); !footer.empty()) out += ".PP\n" + roff(footer) + "\n";
    return out;
}

// A sub-verb (pin status, journal show ...) as a subsection of its verb's page, recursively.
std::string sub_verb_section(const std::string& path, CLI::App& app) {
    std::string out = fmt::format(".SS \"{}\"\n", roff(path));
    out += synopsis(path, app) + ".PP\n" + description(app);
    if (!options_of(app).empty()) out += ".PP\nOptions:\n" + options_section(app) + ".PP\n";
    for (CLI::App* sub : verbs_of(app)) out += sub_verb_section(path + " " + sub->get_name(), *sub);
    return out;
}

std::string verb_page(CLI::App& verb, const std::string& version) {
    const std::string page = "provisioner-" + verb.get_name();
    const std::string path = "provisioner " + verb.get_name();
    std::string out = header(page, version);
    out += fmt::format(".SH NAME\n{} \\- {}\n", roff(page), roff(verb.get_description()));
    out += ".SH SYNOPSIS\n" + synopsis(path, verb);
    out += ".SH DESCRIPTION\n" + description(verb);
    if (!options_of(verb).empty()) out += ".SH OPTIONS\n" + options_section(verb);
    if (!verbs_of(verb).empty()) {
        out += ".SH COMMANDS\n";
        for (CLI::App* sub : verbs_of(verb)) out += sub_verb_section(path + " " + sub->get_name(), *sub);
    }
    out +=
        ".SH GLOBAL OPTIONS\nThe options of \\fBprovisioner\\fR(1) (\\fB\\-\\-trace\\fR, "
        "\\fB\\-\\-verbose\\fR) "
        "come before the verb.\n";
    out += exit_status();
    out += ".SH SEE ALSO\n\\fBprovisioner\\fR(1), /usr/share/doc/opt-sim-provisioner/\n";
    return out;
}

std::string main_page(CLI::App& root, const std::string& version) {
    std::string out = header("provisioner", version);
    // The root's description starts with the program's name ("provisioner: ..."), which NAME already gives.
    std::string summary = root.get_description();
    if (summary.rfind("provisioner: ", 0) == 0) summary.erase(0, std::string_view("provisioner: ").size());
    out += fmt::format(".SH NAME\nprovisioner \\- {}\n", roff(summary));
    out += ".SH SYNOPSIS\n.B provisioner\n[\\fIOPTIONS\\fR] \\fIVERB\\fR [\\fIVERB OPTIONS\\fR]\n";
    out += ".SH DESCRIPTION\n" + description(root);
    out += ".SH OPTIONS\n" + options_section(root);
    out += ".SH VERBS\nEach verb has its own page, \\fBprovisioner\\-VERB\\fR(1).\n";
    for (CLI::App* verb : verbs_of(root)) {
        std::string sentence = verb->get_description();
        if (!sentence.empty() && sentence.back() != '.') sentence += '.';
        out += fmt::format(".TP\n\\fB{}\\fR\n{} See \\fBprovisioner\\-{}\\fR(1).\n", roff(verb->get_name()),
                           roff(sentence), roff(verb->get_name()));
    }
    out += exit_status();
    out += ".SH FILES\n.TP\n/usr/share/opt\\-sim/profiles/\nthe offer profiles, their orders and XSDs\n";
    out += ".SH SEE ALSO\n";
    std::string see_also;
    for (CLI::App* verb : verbs_of(root)) {
        see_also += fmt::format("{}\\fBprovisioner\\-{}\\fR(1)", see_also.empty() ? "" : ",\n",
                                roff(verb->get_name()));
    }
    return out + see_also + "\n";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw sim::InputError(fmt::format("cannot write {}", path.string()));
}

// ---- bash
// ---------------------------------------------------------------------------------------------------

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// One case arm per command path ("" for the root, "pin", "pin status" ...): its sub-verbs, its options, and
// which of its options take a value.
void completion_tables(CLI::App& app, const std::string& path, std::string& verbs, std::string& options,
                       std::string& valued) {
    std::vector<std::string> subs;
    for (CLI::App* sub : verbs_of(app)) subs.push_back(sub->get_name());
    std::vector<std::string> opts;
    std::vector<std::string> with_value;
    for (const CLI::Option* opt : options_of(app)) {
        if (opt->get_positional()) continue;
        for (const auto& sw : switches_of(*opt)) {
            opts.push_back(sw);
            if (takes_value(*opt)) with_value.push_back(sw);
        }
    }
    if (!subs.empty()) verbs += fmt::format("        '{}') echo '{}' ;;\n", path, joined(subs));
    if (!opts.empty()) options += fmt::format("        '{}') echo '{}' ;;\n", path, joined(opts));
    if (!with_value.empty()) valued += fmt::format("        '{}') echo '{}' ;;\n", path, joined(with_value));
    for (CLI::App* sub : verbs_of(app)) {
        completion_tables(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), verbs, options,
                          valued);
    }
}

}  // namespace

std::vector<std::filesystem::path> write_man_pages(CLI::App& root, const std::filesystem::path& dir,
                                                   const std::string& version) {
    std::filesystem::create_directories(dir);
    std::vector<std::filesystem::path> written;
    written.push_back(dir / "provisioner.1");
    write_file(written.back(), main_page(root, version));
    for (CLI::App* verb : verbs_of(root)) {
        written.push_back(dir / fmt::format("provisioner-{}.1", verb->get_name()));
        write_file(written.back(), verb_page(*verb, version));
    }
    return written;
}

std::string bash_completion(CLI::App& root) {
    std::string verbs;
    std::string options;
    std::string valued;
    completion_tables(root, "", verbs, options, valued);
    // clang-format off
    return fmt::format(R"bash(# bash completion for provisioner. Generated from its CLI definition
# (provisioner --bash-completion): do not edit.
_provisioner_verbs() {{
    case "$1" in
{}    esac
}}
_provisioner_options() {{
    case "$1" in
{}    esac
}}
_provisioner_valued() {{
    case "$1" in
{}    esac
}}
# Reader indexes as `provisioner readers --json` lists them (pcscd must be running).
_provisioner_reader_indexes() {{
    "$1" readers --json 2>/dev/null | sed -n 's/^ *"index": *\([0-9][0-9]*\).*/\1/p'
}}
# Offer profiles: $SIM_PROFILES, ./profiles and the installed ones; the file names are the profile ids.
_provisioner_profiles() {{
    local dir
    for dir in ${{SIM_PROFILES:-}} ./profiles /usr/share/opt-sim/profiles; do
        [[ -d $dir ]] && compgen -G "$dir/*.xml"
    done
}}
_provisioner() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path="" word i
    local -a subs
    # The command path so far (verbs and sub-verbs typed), skipping options and their values.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        read -ra subs <<<"$(_provisioner_verbs "$path")"
        if [[ " ${{subs[*]}} " == *" $word "* ]]; then path=${{path:+$path }}$word; fi
    done
    if [[ " $(_provisioner_valued "$path") $(_provisioner_valued "") " == *" $prev "* ]]; then
        case "$prev" in
            --reader | -r | --readers)
                mapfile -t COMPREPLY < <(compgen -W "$(_provisioner_reader_indexes "${{COMP_WORDS[0]}}")" -- "$cur") ;;
            --profile)
                mapfile -t COMPREPLY < <(compgen -W "$(_provisioner_profiles)" -- "$cur") ;;
            --profiles)
                mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
            *)
                mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        esac
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_provisioner_options "$path")" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -W "$(_provisioner_verbs "$path")" -- "$cur")
    fi
    return 0
}}
complete -o filenames -F _provisioner provisioner
)bash",
                       verbs, options, valued);
    // clang-format on
}

}  // namespace provisioner
