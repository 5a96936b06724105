#include "sim/files/ef_ref.hpp"

namespace sim::files {

EfRef ef_ref(const FileSpec& spec) {
    EfRef ef;
    ef.path = spec.path();
    if (!ef.path.empty() && ef.path.front() == kMf) ef.path.erase(ef.path.begin());
    ef.sfi = spec.sfi;
    ef.name = std::string(spec.name);
    ef.secret = spec.secret;
    return ef;
}

}  // namespace sim::files
