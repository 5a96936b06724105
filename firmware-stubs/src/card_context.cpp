#include "card_context.hpp"

namespace simcard {

std::uint16_t fault_sw(Fault fault, bool gsm) {
    switch (fault) {
        case Fault::NoEfSelected:
            return gsm ? 0x9400 : 0x6986;
        case Fault::OffsetOutOfRange:
            return gsm ? 0x9402 : 0x6B00;
        case Fault::RecordNotFound:
            return gsm ? 0x9402 : 0x6A83;
        case Fault::WrongStructure:
            return gsm ? 0x9408 : 0x6981;
        case Fault::SecurityStatus:
            return gsm ? 0x9804 : 0x6982;
        case Fault::FileNotFound:
            return gsm ? 0x9404 : 0x6A82;
        case Fault::WrongParameters:
            return gsm ? 0x6B00 : 0x6A86;
        case Fault::WrongLength:
            return 0x6700;
        case Fault::Deactivated:
            return gsm ? 0x9810 : 0x6984;
    }
    return 0x6F00;
}

void CardContext::reset_session() {
    model.codes.clear_verification();
    sel = Selection{model.mf.get(), nullptr, nullptr, std::nullopt};
}

bool CardContext::allowed(Access access) const {
    switch (access) {
        case Access::Always:
            return true;
        case Access::Pin1:
            return model.codes.satisfied(CodeId::Pin1);
        case Access::Pin2:
            return model.codes.satisfied(CodeId::Pin2);
        case Access::Adm:
            return model.codes.satisfied(CodeId::Adm1);
        case Access::Never:
            return false;
    }
    return false;
}

void CardContext::select(Node& node) {
    sel.record.reset();
    if (node.is_df()) {
        sel.df = &node;
        sel.ef = nullptr;
        if (node.kind == NodeKind::Adf) sel.adf = &node;
        return;
    }
    sel.ef = &node;
    sel.df = node.parent;
}

Node* CardContext::select_by_sfi(std::uint8_t sfi) {
    Node* ef = sel.df->child_by_sfi(sfi);
    if (ef && ef != sel.ef) select(*ef);  // re-using the current EF keeps its record pointer
    return ef;
}

Response answer_case2(Bytes data, const Command& cmd, const Options& options, bool allow_shorter) {
    const std::size_t available = data.size();
    std::size_t wanted = 0;
    if (options.t0) {
        wanted = (!cmd.le || *cmd.le == 0) ? 256 : *cmd.le;  // P3 = 00 means 256 under T=0
    } else {
        if (!cmd.le || *cmd.le == 0) return Response{std::move(data), 0x9000, false};
        wanted = *cmd.le;
    }
    if (wanted == available) return Response{std::move(data), 0x9000, false};
    if (allow_shorter && wanted < available) {
        data.resize(wanted);
        return Response{std::move(data), 0x9000, false};
    }
    return status(static_cast<std::uint16_t>(0x6C00 | (available & 0xFF)));
}

}  // namespace simcard
