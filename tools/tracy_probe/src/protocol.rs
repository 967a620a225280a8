//! The parts of Tracy's wire protocol the probe needs: Tracy 0.14, protocol 82, as spoken
//! by tracy-client-sys 0.29. Values come from Tracy's public `TracyProtocol.hpp` and
//! `TracyQueue.hpp`.

/// The protocol version the probe speaks.
pub const PROTOCOL_VERSION: u32 = 82;
/// What the receiver sends first, followed by [`PROTOCOL_VERSION`] as a little-endian u32.
pub(crate) const HANDSHAKE_SHIBBOLETH: &[u8; 8] = b"TracyPrf";

/// The client's one-byte answer to the handshake (`HandshakeStatus`).
pub(crate) mod handshake {
    pub const WELCOME: u8 = 1;
    pub const PROTOCOL_MISMATCH: u8 = 2;
    pub const NOT_AVAILABLE: u8 = 3;
    pub const DROPPED: u8 = 4;
}

/// `sizeof(WelcomeMessage)`, packed.
pub(crate) const WELCOME_SIZE: usize = 1170;
/// Where `programName` starts in the welcome message, and its size.
pub(crate) const PROGRAM_NAME_AT: usize = 82;
pub(crate) const PROGRAM_NAME_SIZE: usize = 64;
/// Where `flags` is in the welcome message; bit 0 (`OnDemand`) means an
/// `OnDemandPayloadMessage` of 16 bytes follows it.
pub(crate) const WELCOME_FLAGS_AT: usize = 64;
pub(crate) const ON_DEMAND_FLAG: u8 = 1;
pub(crate) const ON_DEMAND_PAYLOAD_SIZE: usize = 16;

/// The largest decompressed frame a client sends (`TargetFrameSize`).
pub(crate) const FRAME_SIZE: usize = 256 * 1024;
/// The largest compressed frame: LZ4's bound for [`FRAME_SIZE`].
pub(crate) const MAX_COMPRESSED_FRAME: usize = FRAME_SIZE + FRAME_SIZE / 255 + 16;
/// How much earlier output an LZ4 block may refer to.
pub(crate) const LZ4_WINDOW: usize = 64 * 1024;

/// Offsets the client subtracts from a zone's time delta when it needs 32 or 64 bits
/// (`ProtocolOffset16Bit`, `ProtocolOffset32Bit`).
pub(crate) const OFFSET_16: i64 = 1 << 16;
/// What the client subtracts from the length of a string sent as `SingleStringData` or
/// `SecondStringData` (those of 256 bytes or more; shorter ones use the 8-bit items).
pub(crate) const OFFSET_8: usize = 1 << 8;
pub(crate) const OFFSET_32: i64 = (1 << 16) + (1 << 32);

/// Bytes of each queue item by its type byte: the type byte and the fixed part
/// (`QueueDataSize`).
pub(crate) const ITEM_SIZE: [usize; 132] = [
    1, 1, 10, 13, 10, 13, 9, 9, 9, 1, 1, 1, 13, 9, 7, 13, 9, 7, 10, 17, 13, 11, 17, 13, 11, 9, 5,
    3, 17, 17, 13, 17, 17, 17, 5, 27, 27, 21, 21, 27, 27, 21, 21, 21, 21, 24, 24, 16, 16, 16, 24,
    24, 16, 16, 16, 25, 21, 25, 23, 16, 12, 2, 10, 10, 13, 1, 1, 1, 25, 13, 15, 13, 3, 1, 1, 5, 26,
    18, 1, 17, 5, 4, 9, 17, 17, 17, 13, 32, 22, 13, 17, 17, 20, 17, 20, 28, 17, 13, 25, 17, 17, 17,
    17, 17, 17, 17, 16, 18, 1, 5, 1, 17, 1, 1, 1, 1, 9, 9, 24, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
    9,
];

/// Queue item types the probe reads (`QueueType`).
pub(crate) mod item {
    pub const MESSAGE: u8 = 2;
    pub const MESSAGE_COLOR_CALLSTACK: u8 = 5;
    pub const ZONE_BEGIN_ALLOC_SRCLOC: u8 = 7;
    pub const ZONE_BEGIN_ALLOC_SRCLOC_CALLSTACK: u8 = 8;
    pub const ZONE_BEGIN: u8 = 19;
    pub const ZONE_BEGIN_32: u8 = 20;
    pub const ZONE_BEGIN_16: u8 = 21;
    pub const ZONE_BEGIN_CALLSTACK: u8 = 22;
    pub const ZONE_BEGIN_CALLSTACK_32: u8 = 23;
    pub const ZONE_BEGIN_CALLSTACK_16: u8 = 24;
    pub const ZONE_END: u8 = 25;
    pub const ZONE_END_32: u8 = 26;
    pub const ZONE_END_16: u8 = 27;
    pub const GPU_ZONE_BEGIN: u8 = 45;
    pub const GPU_ZONE_END: u8 = 49;
    pub const PLOT_INT: u8 = 55;
    pub const PLOT_FLOAT: u8 = 56;
    pub const PLOT_DOUBLE: u8 = 57;
    pub const FIBER_ENTER: u8 = 68;
    pub const FIBER_LEAVE: u8 = 69;
    pub const SECTION_ENTER: u8 = 70;
    pub const SECTION_LEAVE: u8 = 71;
    pub const TERMINATE: u8 = 73;
    pub const THREAD_CONTEXT: u8 = 75;
    pub const FRAME_MARK: u8 = 83;
    pub const SOURCE_LOCATION: u8 = 87;
    pub const MESSAGE_LITERAL: u8 = 91;
    pub const MESSAGE_LITERAL_COLOR_CALLSTACK: u8 = 94;
    pub const SINGLE_STRING: u8 = 112;
    pub const SECOND_STRING: u8 = 113;
    pub const SINGLE_STRING_8: u8 = 114;
    pub const SECOND_STRING_8: u8 = 115;
    /// The first of the string transfers, which all carry a u16 length.
    pub const STRING_DATA: u8 = 119;
    pub const PLOT_NAME: u8 = 121;
    pub const SOURCE_LOCATION_PAYLOAD: u8 = 122;
    pub const FRAME_NAME: u8 = 125;
    pub const FRAME_IMAGE_DATA: u8 = 126;
    pub const SYMBOL_CODE: u8 = 129;
    pub const SOURCE_CODE: u8 = 130;
}

/// Server queries (`ServerQuery`), sent as a packet of type, pointer and extra.
pub(crate) mod query {
    /// Tells a client that has sent `Terminate` that the receiver is done.
    pub const TERMINATE: u8 = 0;
    pub const STRING: u8 = 1;
    pub const SOURCE_LOCATION: u8 = 3;
    pub const PLOT_NAME: u8 = 4;
    pub const FRAME_NAME: u8 = 5;
}
/// `sizeof(ServerQueryPacket)`: type, pointer, extra.
pub(crate) const QUERY_PACKET_SIZE: usize = 13;
