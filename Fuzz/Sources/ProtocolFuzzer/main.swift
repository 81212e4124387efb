import SeatProtocolFuzzing

/// libFuzzer's entry point: every input goes through the decoder and the connection state machine.
@_cdecl("LLVMFuzzerTestOneInput")
public func protocolFuzzerTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ProtocolFuzzing.exercise(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
