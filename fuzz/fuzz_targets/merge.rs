#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    tessera_bench::targets::merge::run(input);
});
