# Writes ${OUTPUT}: the bytes of ${INPUT} as a C++ array, so the ECR model is part of the binary.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from ecr_model.json by embed.cmake. Do not edit.\n#include <string_view>\nnamespace berth::api::ecr {\nnamespace {\nconstexpr char kBytes[] = {\n${bytes}0};\n}\nstd::string_view EmbeddedModelJson() { return {kBytes, sizeof(kBytes) - 1}; }\n}  // namespace berth::api::ecr\n")
