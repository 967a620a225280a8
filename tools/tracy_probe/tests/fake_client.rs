//! The probe against a fake Tracy client on loopback: decoding of a known stream, and
//! every way a peer can go wrong ending in a clear error, never a hang.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracy_probe::{CaptureOptions, Ended, ProbeError, capture};

const WELCOME_SIZE: usize = 1170;

/// Starts a fake client that runs `serve` on the first connection.
fn fake_client(serve: impl FnOnce(TcpStream) + Send + 'static) -> (CaptureOptions, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        serve(stream);
    });
    let options = CaptureOptions {
        address,
        time_limit: Duration::from_secs(5),
        ..CaptureOptions::default()
    };
    (options, handle)
}

/// A fake client that has done the handshake and sent its welcome, then runs `serve`.
fn welcomed_client(
    serve: impl FnOnce(TcpStream) + Send + 'static,
) -> (CaptureOptions, JoinHandle<()>) {
    fake_client(|mut stream| {
        read_handshake(&mut stream);
        welcome(&mut stream);
        serve(stream);
    })
}

/// Reads the receiver's handshake and checks it.
fn read_handshake(stream: &mut TcpStream) {
    let mut hello = [0u8; 12];
    stream.read_exact(&mut hello).unwrap();
    assert_eq!(&hello[..8], b"TracyPrf");
    assert_eq!(u32::from_le_bytes(hello[8..].try_into().unwrap()), 82);
}

/// Welcome: status 1, then the message with a timer multiplier of 2 ns per tick.
fn welcome(stream: &mut TcpStream) {
    let mut message = vec![0u8; WELCOME_SIZE];
    message[..8].copy_from_slice(&2.0f64.to_le_bytes());
    message[82..86].copy_from_slice(b"fake");
    stream.write_all(&[1]).unwrap();
    stream.write_all(&message).unwrap();
}

fn send_frame(stream: &mut TcpStream, items: &[u8]) {
    let compressed = lz4_flex::block::compress(items);
    stream
        .write_all(&(compressed.len() as u32).to_le_bytes())
        .unwrap();
    stream.write_all(&compressed).unwrap();
}

/// Reads `count` query packets: (type, pointer).
fn read_queries(stream: &mut TcpStream, count: usize) -> Vec<(u8, u64)> {
    let mut bytes = vec![0u8; count * 13];
    stream.read_exact(&mut bytes).unwrap();
    bytes
        .chunks(13)
        .map(|packet| {
            (
                packet[0],
                u64::from_le_bytes(packet[1..9].try_into().unwrap()),
            )
        })
        .collect()
}

/// Queue items, built by their layout in Tracy's `TracyQueue.hpp`.
#[derive(Default)]
struct Items(Vec<u8>);

impl Items {
    fn raw(mut self, kind: u8, fields: &[&[u8]]) -> Self {
        self.0.push(kind);
        for field in fields {
            self.0.extend_from_slice(field);
        }
        self
    }
    fn thread(self, id: u32) -> Self {
        self.raw(75, &[&id.to_le_bytes()])
    }
    fn zone_begin_16(self, delta: u16, location: u64) -> Self {
        self.raw(21, &[&delta.to_le_bytes(), &location.to_le_bytes()])
    }
    fn zone_begin_64(self, delta: i64, location: u64) -> Self {
        self.raw(19, &[&delta.to_le_bytes(), &location.to_le_bytes()])
    }
    fn zone_end_64(self, delta: i64) -> Self {
        self.raw(25, &[&delta.to_le_bytes()])
    }
    fn zone_end_16(self, delta: u16) -> Self {
        self.raw(27, &[&delta.to_le_bytes()])
    }
    fn zone_end_32(self, delta: u32) -> Self {
        self.raw(26, &[&delta.to_le_bytes()])
    }
    fn allocated_zone_begin(self, delta: i64, name: &str) -> Self {
        let mut payload = vec![0u8; 8];
        payload.extend_from_slice(b"function\0file.rs\0");
        payload.extend_from_slice(name.as_bytes());
        self.string(122, 0xdead, &payload)
            .raw(7, &[&delta.to_le_bytes()])
    }
    fn frame_mark(self, name: u64) -> Self {
        self.raw(83, &[&0i64.to_le_bytes(), &name.to_le_bytes()])
    }
    fn plot(self, name: u64, value: f64) -> Self {
        self.raw(
            57,
            &[
                &name.to_le_bytes(),
                &0i64.to_le_bytes(),
                &value.to_le_bytes(),
            ],
        )
    }
    /// A copied message: its text as the client sends it (an 8-bit length up to 255
    /// bytes, else a 16-bit length less 256), then the message item.
    fn message(self, text: &str) -> Self {
        let with_text = match u8::try_from(text.len()) {
            Ok(length) => self.raw(114, &[&[length], text.as_bytes()]),
            Err(_) => {
                let length = (text.len() - 256) as u16;
                self.raw(112, &[&length.to_le_bytes(), text.as_bytes()])
            }
        };
        with_text.raw(2, &[&0i64.to_le_bytes(), &[0]])
    }
    fn gpu_zone(self, begin_delta: i64, end_delta: i64) -> Self {
        // GpuZoneBegin: cpu time, thread, query id, context, source location;
        // GpuZoneEnd: cpu time, thread, query id, context.
        self.raw(
            45,
            &[&begin_delta.to_le_bytes(), &[0; 4], &[0; 2], &[0], &[0; 8]],
        )
        .raw(49, &[&end_delta.to_le_bytes(), &[0; 4], &[0; 2], &[0]])
    }
    fn source_location(self, name: u64, function: u64) -> Self {
        self.raw(
            87,
            &[
                &name.to_le_bytes(),
                &function.to_le_bytes(),
                &0u64.to_le_bytes(),
                &7u32.to_le_bytes(),
                &[0, 0, 0],
            ],
        )
    }
    fn string(self, kind: u8, pointer: u64, text: &[u8]) -> Self {
        let length = text.len() as u16;
        self.raw(kind, &[&pointer.to_le_bytes(), &length.to_le_bytes(), text])
    }
}

#[test]
fn decodes_zones_frames_plots_and_messages_and_asks_for_names() {
    let (options, client) = welcomed_client(|mut stream| {
        let items = Items::default()
            .thread(7)
            // A static zone run twice: 50 ticks, then 65,546 ticks (a 32-bit delta).
            .zone_begin_16(100, 0x1000)
            .zone_end_16(50)
            .zone_begin_16(10, 0x1000)
            .zone_end_32(10)
            // 64-bit deltas (sent less 2^16 + 2^32), with an allocated zone nested inside.
            .zone_begin_64(5, 0x1000)
            .allocated_zone_begin(4, "bevy span")
            .zone_end_16(6)
            .zone_end_64(3)
            .thread(8)
            .frame_mark(0)
            .frame_mark(0)
            .frame_mark(0x2000)
            .plot(0x3000, 1.0)
            .plot(0x3000, 5.0)
            .plot(0x3000, 3.0)
            .message("hello")
            .frame_mark(0);
        send_frame(&mut stream, &items.0);
        // Queries come in the order the items needed them.
        assert_eq!(
            read_queries(&mut stream, 3),
            vec![(3, 0x1000), (5, 0x2000), (4, 0x3000)]
        );
        let answers = Items::default()
            .source_location(0x1100, 0x1200)
            .string(125, 0x2000, b"sim tick")
            .string(121, 0x3000, b"live bytes");
        send_frame(&mut stream, &answers.0);
        assert_eq!(read_queries(&mut stream, 2), vec![(1, 0x1100), (1, 0x1200)]);
        let names = Items::default().string(119, 0x1100, b"cohort::system");
        send_frame(&mut stream, &names.0);
        // The connection closes when the fake client returns.
    });
    let summary = capture(&options).unwrap();
    client.join().unwrap();

    assert_eq!(summary.program, "fake");
    assert_eq!(summary.ended, Ended::ConnectionClosed);
    assert_eq!(summary.frames, 3);
    assert_eq!(summary.frame_set("sim tick"), 1);
    let system = summary.zone("cohort::system").expect("static zone named");
    assert_eq!(system.count, 3);
    // 50, then 10 + 2^16, then 4 + 6 + 3 + 2^16 + 2^32 ticks, at 2 ns per tick.
    let ticks = 50 + (10 + (1u64 << 16)) + (13 + (1u64 << 16) + (1u64 << 32));
    assert_eq!(system.total_ns, 2.0 * ticks as f64);
    let span = summary.zone("bevy span").expect("allocated zone named");
    assert_eq!((span.count, span.total_ns), (1, 12.0));
    let plot = summary.plot("live bytes").expect("plot named");
    assert_eq!(
        (plot.points, plot.min, plot.max, plot.last),
        (3, 1.0, 5.0, 3.0)
    );
    assert_eq!(summary.message_count, 1);
    assert_eq!(summary.messages, vec!["hello".to_string()]);
    assert_eq!(summary.zones_open, 0);
    assert_eq!(summary.threads, 2);
}

#[test]
fn an_exiting_client_is_let_go_once_its_names_arrived() {
    let (options, client) = welcomed_client(|mut stream| {
        // The app exits: its last frame, then `Terminate`.
        let items = Items::default()
            .frame_mark(0)
            .plot(0x3000, 2.0)
            .raw(73, &[]);
        send_frame(&mut stream, &items.0);
        assert_eq!(read_queries(&mut stream, 1), vec![(4, 0x3000)]);
        send_frame(
            &mut stream,
            &Items::default().string(121, 0x3000, b"live bytes").0,
        );
        // Then the receiver lets it go.
        assert_eq!(read_queries(&mut stream, 1), vec![(0, 0)]);
    });
    let summary = capture(&options).unwrap();
    client.join().unwrap();
    assert_eq!(summary.ended, Ended::ClientExited);
    assert_eq!(summary.frames, 1);
    assert_eq!(summary.plot("live bytes").map(|plot| plot.last), Some(2.0));
}

#[test]
fn long_messages_and_gpu_zones_keep_the_stream_in_step() {
    let long = "x".repeat(300);
    let sent = long.clone();
    let (options, client) = welcomed_client(move |mut stream| {
        let items = Items::default()
            .thread(1)
            .message(&sent)
            .zone_begin_16(10, 0x1000)
            // A GPU zone inside moves the thread's clock by 1,000 ticks.
            .gpu_zone(400, 600)
            .zone_end_16(50)
            .frame_mark(0);
        send_frame(&mut stream, &items.0);
        assert_eq!(read_queries(&mut stream, 1), vec![(3, 0x1000)]);
        let answers = Items::default()
            .source_location(0x1100, 0)
            .string(119, 0x1100, b"outer");
        send_frame(&mut stream, &answers.0);
        let _ = read_queries(&mut stream, 1);
    });
    let summary = capture(&options).unwrap();
    client.join().unwrap();
    assert_eq!(summary.messages, vec![long]);
    assert_eq!(summary.frames, 1);
    let outer = summary.zone("outer").expect("zone named");
    assert_eq!(
        outer.total_ns,
        2.0 * 1_050.0,
        "400 + 600 + 50 ticks at 2 ns"
    );
}

#[test]
fn stops_at_the_frame_limit_once_the_stream_is_quiet() {
    let (mut options, client) = welcomed_client(|mut stream| {
        let mut items = Items::default();
        for _ in 0..5 {
            items = items.frame_mark(0);
        }
        send_frame(&mut stream, &items.0);
        // Stay connected and silent; the probe must stop by itself.
        std::thread::sleep(Duration::from_millis(1500));
    });
    options.frame_limit = Some(5);
    let started = Instant::now();
    let summary = capture(&options).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!((summary.ended, summary.frames), (Ended::FrameLimit, 5));
    client.join().unwrap();
}

#[test]
fn a_silent_peer_ends_at_the_time_limit() {
    let (mut options, client) = fake_client(|stream| {
        std::thread::sleep(Duration::from_secs(2));
        drop(stream);
    });
    options.time_limit = Duration::from_millis(500);
    let started = Instant::now();
    let error = capture(&options).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        error
            .to_string()
            .contains("time limit passed while waiting for the handshake reply"),
        "{error}"
    );
    client.join().unwrap();
}

#[test]
fn a_peer_trickling_its_welcome_ends_at_the_time_limit() {
    let (mut options, client) = fake_client(|mut stream| {
        read_handshake(&mut stream);
        let _ = stream.write_all(&[1]);
        // One byte of the welcome every 40 ms: no read ever times out.
        for _ in 0..75 {
            if stream.write_all(&[0]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    options.time_limit = Duration::from_millis(500);
    let started = Instant::now();
    let error = capture(&options).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    assert!(error.to_string().contains("time limit passed"), "{error}");
    client.join().unwrap();
}

#[test]
fn another_protocol_version_is_named() {
    let (options, client) = fake_client(|mut stream| {
        read_handshake(&mut stream);
        stream.write_all(&[2]).unwrap();
    });
    let error = capture(&options).unwrap_err();
    assert!(matches!(error, ProbeError::ProtocolMismatch), "{error}");
    assert!(error.to_string().contains("version 82"));
    client.join().unwrap();
}

#[test]
fn a_connection_closed_during_the_handshake_is_an_error() {
    let (options, client) = fake_client(|mut stream| {
        read_handshake(&mut stream);
    });
    let error = capture(&options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("closed the connection in the middle of the handshake"),
        "{error}"
    );
    client.join().unwrap();
}

#[test]
fn garbage_is_refused_with_a_reason() {
    let cases: [(&str, fn(&mut TcpStream)); 4] = [
        ("handshake reply 72", |stream| {
            stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                .unwrap();
        }),
        ("a frame of 4294967295 bytes", |stream| {
            welcome(stream);
            stream.write_all(&u32::MAX.to_le_bytes()).unwrap();
        }),
        ("does not decompress", |stream| {
            welcome(stream);
            stream.write_all(&8u32.to_le_bytes()).unwrap();
            stream.write_all(&[0xff; 8]).unwrap();
        }),
        ("unknown queue item type 200", |stream| {
            welcome(stream);
            send_frame(stream, &[200, 1, 2, 3]);
        }),
    ];
    for (expected, serve) in cases {
        let (options, client) = fake_client(move |mut stream| {
            read_handshake(&mut stream);
            serve(&mut stream);
            std::thread::sleep(Duration::from_millis(200));
        });
        let error = capture(&options).unwrap_err();
        assert!(
            matches!(error, ProbeError::Garbage(_)),
            "{expected}: {error}"
        );
        assert!(error.to_string().contains(expected), "{expected}: {error}");
        client.join().unwrap();
    }
}

#[test]
fn no_client_is_an_error_after_the_time_limit() {
    // A port that was just free: bind, note it, close.
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let options = CaptureOptions {
        address,
        time_limit: Duration::from_millis(300),
        ..CaptureOptions::default()
    };
    let error = capture(&options).unwrap_err();
    assert!(matches!(error, ProbeError::NoClient { .. }), "{error}");
}
