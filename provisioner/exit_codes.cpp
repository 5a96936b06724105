// Placeholder translation unit; replaced by the verbs.
namespace provisioner {}
