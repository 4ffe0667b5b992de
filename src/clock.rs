//! Time and nonces, behind small traits so that tests can pin them (RFC 5849 §3.3).

use std::cell::RefCell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aes::Aes256;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

use crate::error::Error;

/// A source of the current time in seconds since the Unix epoch (`oauth_timestamp`).
pub trait Clock: fmt::Debug + Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

/// The operating system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock stopped at one instant, for tests and reproducible output.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// A source of `oauth_nonce` values (RFC 5849 §3.3).
///
/// A nonce must never repeat for the same timestamp, consumer and token: providers refuse a
/// reused one with `nonce_used`.
pub trait NonceSource: fmt::Debug + Send + Sync {
    /// Writes a fresh nonce into `out` (which is empty).
    ///
    /// # Errors
    ///
    /// [`Error::Nonce`] when no nonce can be produced.
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error>;
}

const ALPHANUMERIC: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The default nonce source: 24 alphanumeric characters (about 143 bits), uniform over
/// `[0-9A-Za-z]`, from a cryptographically secure generator seeded by the operating system.
///
/// Alphanumeric and 20-30 characters long, because common provider stacks (oauthlib among them)
/// refuse anything else.
///
/// # Cost
///
/// Each thread keeps a small generator (AES-256 in counter mode with fast key erasure, keyed
/// from `getrandom`), so a nonce costs one `getpid` system call (150 ns on the virtual machine
/// this was measured on; see Forks) instead of one `getrandom` system call: 200 ns a nonce in
/// all there instead of 570 ns, whether the calls come in a burst or far apart.
///
/// # Forks
///
/// A process made by `fork()` starts with a copy of its parent's memory, generator included,
/// and would repeat the parent's next nonces, which the provider refuses (`nonce_used`). It
/// cannot: the generator remembers the id of the process that keyed it, and every call compares
/// it with [`std::process::id`]; in another process the generator is discarded and rekeyed from
/// `getrandom` before it makes a nonce. This is exact for the child of a `fork()`: its id differs
/// from its parent's, because the parent is alive when it forks.
///
/// Not covered:
///
/// - A virtual machine snapshot restored more than once: every copy has the same process ids
///   and so continues the same generators, as with any generator kept in user space. Each thread
///   may repeat, in every copy, the nonces it makes until its next rekey (after at most 2048
///   refills, 32 768 nonces).
/// - A reused process id: a child that makes no nonce keeps its parent's generator; if it later
///   forks a process that receives the parent's id, the parent having exited, that process
///   repeats the nonces the parent made after the first `fork()`.
/// - A process that is pid 1 of its pid namespace creating a child in a new pid namespace with a
///   raw `clone(CLONE_NEWPID)` and no `exec`: the child is pid 1 too. Safe Rust cannot do this
///   (the child processes of `std` always `exec`).
///
/// # Errors
///
/// [`Error::Nonce`] when the operating system's generator fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl RandomNonce {
    /// Characters per nonce.
    pub const LEN: usize = 24;
}

impl NonceSource for RandomNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error> {
        let pooled = POOL.try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            let pool = slot.get_or_insert_with(|| Box::new(Pool::new()));
            Some(pool.fill(std::process::id(), out))
        });
        match pooled {
            Ok(Some(result)) => result,
            // The thread is being torn down, or (impossible today) a reentrant call.
            Ok(None) | Err(_) => fill_direct(out),
        }
    }
}

/// Bytes taken per nonce: 24 characters need about 24.8 bytes on average, and 32 bytes hold
/// fewer than 24 acceptable ones with probability 4e-7 (then a second chunk follows).
const CHUNK: usize = 32;
type Chunk = [u8; CHUNK];
/// Chunks of keystream per refill: the first becomes the next key, the others go to nonces.
const CHUNKS: usize = 17;
/// Refills between two keys from the operating system (2048 x 512 bytes).
const RESEED_AFTER_REFILLS: u32 = 2048;

thread_local! {
    static POOL: RefCell<Option<Box<Pool>>> = const { RefCell::new(None) };
}

/// Whether generator state keyed in the process `keyed_pid` (`None`: not keyed) may serve the
/// process `pid`: only if it is the same process.
fn state_usable(keyed_pid: Option<u32>, pid: u32) -> bool {
    keyed_pid == Some(pid)
}

fn os_error(e: getrandom::Error) -> Error {
    Error::Nonce(e.to_string())
}

/// One thread's generator.
///
/// Design, and why:
///
/// - *Not a buffer of `getrandom` output.* The kernel's generator costs about 2.8 ns a byte
///   here besides its 500-600 ns per call, so a 4 KiB buffer still cost 115 ns a nonce.
/// - *AES-256 in counter mode with fast key erasure* (D. J. Bernstein, "Fast-key-erasure
///   random-number generators", 2017): a refill encrypts the counters 0..34 under the key; the
///   first 32 bytes of output replace the key, so what memory holds later reveals nothing of
///   nonces already made, and the other 512 bytes serve 16 nonces, 32 bytes each, wiped as they
///   are taken. The `aes` crate is linked anyway (by `rsa`, for PKCS#5 key decryption) and
///   uses AES-NI or the ARMv8 AES instructions when present: about 0.3 ns a byte here.
///   (`salsa20`, also linked, has no SIMD back end and took 2 ns a byte; no ChaCha crate is a
///   normal dependency.) The key comes from `getrandom` on the thread's first nonce, on the
///   first nonce in a new process, and on the first nonce after 2048 refills (1 MiB).
/// - *Rejection sampling*: a byte `b < 248` gives `ALPHANUMERIC[b % 62]` (248 = 4 x 62: all 62
///   characters equally likely), a byte `>= 248` is skipped.
/// - *Fork detection by process id*: every call compares [`std::process::id`] with the id saved
///   when the key came from `getrandom`. That is a `getpid` system call per nonce (glibc stopped
///   caching the id in 2.25), 150 ns here, three times the rest of the nonce; it assumes nothing
///   about timing or about how the program uses nonces. The cheaper kernel mechanisms
///   (`pthread_atfork`, `MADV_WIPEONFORK`, the vDSO `getrandom` of Linux 6.11 with glibc 2.41)
///   need `unsafe` code or a newer C library.
/// - *Per thread*, behind `try_with` and `try_borrow_mut`: no lock, no panic; when the state is
///   unavailable (a thread-local destructor running after this one) the nonce comes straight
///   from `getrandom`.
#[cfg_attr(test, derive(Clone))]
struct Pool {
    /// The AES-256 key of the next refill.
    key: Chunk,
    /// The process in which the key chain came from `getrandom`; `None` until it did.
    keyed_pid: Option<u32>,
    /// Keystream; chunks before `next` are used up (and wiped).
    buf: [Chunk; CHUNKS],
    next: usize,
    /// Refills since the key last came from the operating system.
    refills: u32,
}

impl Pool {
    fn new() -> Self {
        Self {
            key: [0; CHUNK],
            keyed_pid: None,
            buf: [[0; CHUNK]; CHUNKS],
            next: CHUNKS,
            refills: 0,
        }
    }

    /// Appends one nonce to `out` in the process `pid`; on error `out` is left as it was.
    fn fill(&mut self, pid: u32, out: &mut String) -> Result<(), Error> {
        if !state_usable(self.keyed_pid, pid) || self.refills >= RESEED_AFTER_REFILLS {
            self.rekey(pid)?;
        }
        let mut sampler = Sampler::new();
        while !sampler.is_full() {
            self.feed(&mut sampler);
        }
        sampler.append_to(out)
    }

    /// Forgets the keystream (it may have come through `fork()`) and takes a key from the
    /// operating system.
    fn rekey(&mut self, pid: u32) -> Result<(), Error> {
        self.keyed_pid = None;
        self.buf.as_flattened_mut().zeroize();
        self.next = CHUNKS;
        getrandom::fill(&mut self.key).map_err(os_error)?;
        self.keyed_pid = Some(pid);
        self.refills = 0;
        Ok(())
    }

    /// Feeds the next chunk of keystream to `sampler` and wipes it, refilling when needed.
    fn feed(&mut self, sampler: &mut Sampler) {
        if self.next >= CHUNKS {
            self.refill();
        }
        if let Some(chunk) = self.buf.get_mut(self.next) {
            sampler.take(chunk);
            chunk.zeroize();
        }
        self.next += 1;
    }

    /// Encrypts the counters 0..34 under the key; the first 32 bytes become the next key.
    fn refill(&mut self) {
        let cipher = Aes256::new(&Array::from(self.key));
        let (blocks, _) = Array::slice_as_chunks_mut(self.buf.as_flattened_mut());
        for (counter, block) in (0u128..).zip(blocks.iter_mut()) {
            *block = Array::from(counter.to_be_bytes());
        }
        cipher.encrypt_blocks(blocks);
        self.key = self.buf[0];
        self.buf[0].zeroize();
        self.next = 1;
        self.refills += 1;
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.key.zeroize();
        self.buf.as_flattened_mut().zeroize();
    }
}

/// The nonce straight from the operating system, one `getrandom` call per chunk.
fn fill_direct(out: &mut String) -> Result<(), Error> {
    let mut sampler = Sampler::new();
    while !sampler.is_full() {
        let mut chunk = [0u8; CHUNK];
        getrandom::fill(&mut chunk).map_err(os_error)?;
        sampler.take(&chunk);
        chunk.zeroize();
    }
    sampler.append_to(out)
}

/// Rejection sampling of uniformly random bytes into alphanumeric characters: a byte `b < 248`
/// becomes `ALPHANUMERIC[b % 62]`, a byte `>= 248` is skipped.
struct Sampler {
    /// Accepted characters; room for a chunk's width past a nonce's worth, and for the excess of
    /// the fixed-size copies in [`take`](Self::take).
    chars: [u8; RandomNonce::LEN + 2 * CHUNK],
    accepted: usize,
}

impl Sampler {
    fn new() -> Self {
        Self {
            chars: [0; RandomNonce::LEN + 2 * CHUNK],
            accepted: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.accepted >= RandomNonce::LEN
    }

    /// Takes one chunk of random bytes (call it only while not [full](Self::is_full)).
    ///
    /// Written for speed (the obvious byte loop was a third of the cost of a nonce): every byte
    /// is mapped without a table or a branch, which the compiler vectorizes, the rejected bytes
    /// are found as a bit mask, and the accepted characters move run by run with fixed-size
    /// copies (each copies a whole chunk's width; the next run overwrites the excess). Most
    /// chunks have one rejected byte or none. `take_reference` in the tests is the plain loop
    /// this must equal.
    fn take(&mut self, chunk: &Chunk) {
        // Mapped characters, padded so that a copy of CHUNK bytes may start anywhere in a chunk.
        let mut mapped = [0u8; 2 * CHUNK];
        for (m, &b) in mapped.iter_mut().zip(chunk) {
            *m = alphanumeric(b % 62);
        }
        let mut rejected = rejected_mask(chunk);
        let mut start = 0;
        loop {
            // The run of accepted bytes from `start` up to the next rejected one (or the end).
            let stop = if rejected == 0 {
                CHUNK
            } else {
                rejected.trailing_zeros() as usize
            };
            if let (Some(src), Some(dst)) = (
                mapped.get(start..start + CHUNK),
                self.chars.get_mut(self.accepted..self.accepted + CHUNK),
            ) {
                dst.copy_from_slice(src);
            }
            self.accepted += stop - start;
            if rejected == 0 {
                break;
            }
            rejected &= rejected - 1;
            start = stop + 1;
        }
    }

    fn append_to(&self, out: &mut String) -> Result<(), Error> {
        let nonce = std::str::from_utf8(&self.chars[..RandomNonce::LEN])
            .map_err(|e| Error::Nonce(e.to_string()))?;
        out.push_str(nonce);
        Ok(())
    }
}

/// `ALPHANUMERIC[i]` for `i < 62`, computed rather than looked up so that it vectorizes.
const fn alphanumeric(i: u8) -> u8 {
    if i < 10 {
        b'0' + i
    } else if i < 36 {
        b'A' + (i - 10)
    } else {
        b'a' + (i - 36)
    }
}

// Checked at compile time.
const _: () = {
    let mut i = 0;
    while i < 62 {
        assert!(alphanumeric(i as u8) == ALPHANUMERIC[i]);
        i += 1;
    }
};

/// Bit `i` set when `chunk[i] >= 248` (its top five bits all set), eight bytes at a time.
fn rejected_mask(chunk: &Chunk) -> u32 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut mask = 0;
    for (k, word) in chunk.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let v = u64::from_le_bytes(bytes);
        // A zero byte in `t` exactly where the byte of `v` is >= 248.
        let t = !(v | 0x0707_0707_0707_0707);
        // 0x80 in each byte of `t` that is zero (exact: no carry crosses a byte).
        let zero = !(((t & LOW7) + LOW7) | t | LOW7);
        // Gather the eight 0x80 bits into the low byte, byte i to bit i.
        let bits = ((zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
        mask |= bits << (8 * k);
    }
    mask
}

/// A nonce source that always answers the same value, for tests and reproducible output.
///
/// Never use it against a real provider: the second request is refused with `nonce_used`.
#[derive(Debug, Clone)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Process ids for the tests of the pure logic.
    const PID: u32 = 4242;
    const OTHER_PID: u32 = 4243;

    #[test]
    fn random_nonces_are_alphanumeric_24_and_differ() {
        let mut a = String::new();
        let mut b = String::new();
        RandomNonce.fill_nonce(&mut a).unwrap();
        RandomNonce.fill_nonce(&mut b).unwrap();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    /// The plain rejection-sampling loop that [`Sampler::take`] must equal: the first 24
    /// characters of the accepted bytes of `chunks`, and how many bytes were accepted.
    fn take_reference(chunks: &[Chunk]) -> (String, usize) {
        let mut nonce = String::new();
        let mut accepted = 0;
        for chunk in chunks {
            if accepted >= RandomNonce::LEN {
                break;
            }
            for &b in chunk {
                if b < 248 {
                    if nonce.len() < RandomNonce::LEN {
                        nonce.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
                    }
                    accepted += 1;
                }
            }
        }
        (nonce, accepted)
    }

    /// What [`Sampler`] makes of `chunks` (fed while not full), as [`take_reference`] reports it.
    fn take_fast(chunks: &[Chunk]) -> (String, usize) {
        let mut sampler = Sampler::new();
        for chunk in chunks {
            if sampler.is_full() {
                break;
            }
            sampler.take(chunk);
        }
        let len = sampler.accepted.min(RandomNonce::LEN);
        let nonce = String::from_utf8(sampler.chars[..len].to_vec()).unwrap();
        (nonce, sampler.accepted)
    }

    fn random_chunk() -> Chunk {
        let mut chunk = [0u8; CHUNK];
        getrandom::fill(&mut chunk).unwrap();
        chunk
    }

    #[test]
    fn bytes_map_to_characters_and_248_up_are_rejected() {
        let mut chunk = [0u8; CHUNK];
        let bytes = [
            0, 9, 10, 35, 36, 61, 62, 71, 123, 185, 186, 247, 248, 251, 255, 1, 63, 125, 187, 200,
            5, 15, 25, 45, 55, 249, 250, 252, 253, 254, 100, 150,
        ];
        chunk.copy_from_slice(&bytes);
        let (nonce, accepted) = take_fast(&[chunk]);
        // 32 bytes, 8 of them >= 248. By hand: 0 9 10 35 36 61 -> "09AZaz"; 62 71 123 185 186
        // 247 are 0 9 61 61 0 61 (mod 62) -> "09zz0z"; 1 63 125 187 -> "1111"; 200 5 15 25 45
        // 55 are 14 5 15 25 45 55 -> "E5FPjt"; 100 150 are 38 26 -> "cQ".
        assert_eq!(accepted, 24);
        assert_eq!(nonce, "09AZaz09zz0z1111E5FPjtcQ");
        assert_eq!(take_reference(&[chunk]), (nonce, accepted));
    }

    #[test]
    fn fast_sampling_equals_the_plain_loop() {
        // Every single rejected position, every pair of rejected positions.
        let base: Chunk = std::array::from_fn(|i| (i * 7) as u8);
        for p in 0..CHUNK {
            for q in p..CHUNK {
                let mut chunk = base;
                chunk[p] = 248;
                chunk[q] = 255;
                assert_eq!(take_fast(&[chunk]), take_reference(&[chunk]), "{p} {q}");
            }
        }
        // Nothing rejected, everything rejected, and the byte values around the boundary.
        for fill in [0u8, 61, 62, 246, 247, 248, 249, 254, 255] {
            let chunk = [fill; CHUNK];
            let mixed: Chunk = std::array::from_fn(|i| if i % 3 == 0 { fill } else { 247 });
            for chunks in [vec![chunk, base], vec![mixed, base], vec![base, chunk]] {
                assert_eq!(take_fast(&chunks), take_reference(&chunks), "{fill}");
            }
        }
        // A chunk with fewer than 24 acceptable bytes needs a second one.
        let sparse: Chunk = std::array::from_fn(|i| if i % 4 == 0 { 10 } else { 250 });
        let (nonce, accepted) = take_fast(&[sparse, sparse, sparse]);
        assert_eq!(accepted, 24);
        assert_eq!(nonce, "A".repeat(24));
        assert_eq!(take_fast(&[sparse, base]), take_reference(&[sparse, base]));
        // Random chunks, one and two at a time, with extra rejections mixed in.
        for i in 0..20_000 {
            let mut first = random_chunk();
            if i % 2 == 0 {
                for b in first.iter_mut().step_by(1 + i % 5) {
                    *b |= 0xf8;
                }
            }
            let chunks = [first, random_chunk()];
            assert_eq!(take_fast(&chunks), take_reference(&chunks), "{chunks:?}");
        }
    }

    #[test]
    fn rejected_mask_marks_exactly_the_bytes_from_248() {
        for value in 0..=255u8 {
            for p in 0..CHUNK {
                let mut chunk = [0u8; CHUNK];
                chunk[p] = value;
                let expected = if value >= 248 { 1u32 << p } else { 0 };
                assert_eq!(rejected_mask(&chunk), expected, "{value} at {p}");
            }
        }
        for _ in 0..1000 {
            let chunk = random_chunk();
            let expected = (0..CHUNK).fold(0u32, |m, i| m | (u32::from(chunk[i] >= 248) << i));
            assert_eq!(rejected_mask(&chunk), expected);
        }
    }

    #[test]
    fn state_serves_only_the_process_that_keyed_it() {
        assert!(!state_usable(None, PID), "not keyed");
        assert!(state_usable(Some(PID), PID));
        assert!(!state_usable(Some(PID), OTHER_PID), "a child of fork()");
        assert!(!state_usable(Some(OTHER_PID), PID));
    }

    /// A pool keyed in the process `pid` with the FIPS-197 example key 00 01 .. 1f.
    fn known_pool(pid: u32) -> Pool {
        let mut pool = Pool::new();
        pool.key = std::array::from_fn(|i| i as u8);
        pool.keyed_pid = Some(pid);
        pool
    }

    fn nonce(pool: &mut Pool, pid: u32) -> String {
        let mut out = String::new();
        pool.fill(pid, &mut out).unwrap();
        out
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The keystream is AES-256 of the counters 0, 1, 2, ... (as 128-bit big-endian blocks)
    /// and its first 32 bytes become the next key. Expected blocks from
    /// `openssl enc -aes-256-ecb -nopad -K 000102..1f` over those counters (the same command
    /// gives FIPS-197 C.3's 8ea2b7ca516745bfeafc49904b496089 for its plaintext).
    #[test]
    fn refill_is_aes_256_ctr_with_fast_key_erasure() {
        let mut pool = known_pool(PID);
        pool.refill();
        assert_eq!(
            hex(&pool.key),
            "f29000b62a499fd0a9f39a6add2e7780f05d76ae4ab99fe5a6f69b3148c2363d"
        );
        assert_eq!(pool.buf[0], [0; CHUNK], "the key's copy is wiped");
        assert_eq!(
            hex(&pool.buf[1]),
            "0ebcb5deb52c83bd08a8a935182c9199d24356532881602f809eb383c5ff5d56"
        );
        assert_eq!(
            hex(&pool.buf[2]),
            "4e5fe6bc2af2b80633c371f5c1ce694ea90741e6797146a550b63f264a604ee4"
        );
        assert_eq!((pool.next, pool.refills), (1, 1));
        // The next refill runs under the derived key.
        pool.refill();
        assert_eq!(
            hex(&pool.key),
            "166b2877842f585616323fba042dc3cfed0ee625e5e03a7c33bdfd7424792666"
        );
        assert_eq!(
            hex(&pool.buf[1]),
            "9720e40516407d2c249a9b756a46f71a80de909711cfa30bcd151fce144c5d56"
        );
    }

    #[test]
    fn in_the_same_process_a_call_takes_the_next_chunk_and_wipes_it() {
        let mut pool = known_pool(PID);
        let mut out = String::from("prefix:");
        pool.fill(PID, &mut out).unwrap();
        // The first 24 accepted bytes of keystream chunk 1 (above) through the alphabet.
        assert_eq!(out, "prefix:E2vavi738ijrOiLTO5OLe5Yl");
        assert_eq!(pool.next, 2);
        assert_eq!(pool.buf[..2], [[0; CHUNK]; 2]);
        assert_ne!(pool.buf[2], [0; CHUNK]);
        assert_eq!(pool.keyed_pid, Some(PID));
    }

    #[test]
    fn in_another_process_the_state_is_replaced_from_the_os() {
        let mut pool = known_pool(PID);
        pool.refill();
        let before = pool.clone();
        pool.rekey(OTHER_PID).unwrap();
        assert_ne!(pool.key, before.key, "a key from the OS");
        assert_eq!(pool.next, CHUNKS, "the keystream is dropped");
        assert!(pool.buf.iter().all(|c| *c == [0; CHUNK]), "and wiped");
        assert_eq!((pool.keyed_pid, pool.refills), (Some(OTHER_PID), 0));

        let mut pool = before.clone();
        let n = nonce(&mut pool, OTHER_PID);
        assert_ne!(n, nonce(&mut before.clone(), PID));
        assert_ne!(pool.key, before.key);
        assert_eq!((pool.keyed_pid, pool.refills), (Some(OTHER_PID), 1));
    }

    /// `fork()` copies the memory of the process, pool included: here a clone stands for the
    /// child's copy. (A real fork needs `libc::fork`, which is `unsafe`, and this crate forbids
    /// `unsafe` in its tests too; re-running the test binary as a child process copies nothing.)
    /// The child has another process id, so it rekeys; the control, the copy kept under the
    /// parent's id (impossible after a real fork), shows what a child would repeat otherwise.
    #[test]
    fn a_forked_child_never_repeats_its_parent() {
        let mut parent = Pool::new();
        for _ in 0..10 {
            nonce(&mut parent, PID);
        }
        let mut child = parent.clone();
        let mut control = parent.clone();
        // 40 nonces each, through several refills.
        let run = |pool: &mut Pool, pid| (0..40).map(|_| nonce(pool, pid)).collect::<Vec<_>>();
        let parent_after = run(&mut parent, PID);
        let child_after = run(&mut child, OTHER_PID);
        assert!(
            child_after.iter().all(|n| !parent_after.contains(n)),
            "the child repeated a nonce of its parent"
        );
        assert_eq!(run(&mut control, PID), parent_after);
    }

    #[test]
    fn the_key_comes_from_the_os_again_after_2048_refills() {
        let mut pool = known_pool(PID);
        pool.refills = RESEED_AFTER_REFILLS - 1;
        let mut a = pool.clone();
        let mut b = pool.clone();
        // Refill 2048 still runs under the derived key.
        assert_eq!(nonce(&mut a, PID), "E2vavi738ijrOiLTO5OLe5Yl");
        assert_eq!(nonce(&mut b, PID), "E2vavi738ijrOiLTO5OLe5Yl");
        assert_eq!(a.refills, RESEED_AFTER_REFILLS);
        // The next nonce starts with a fresh key from the OS.
        assert_ne!(nonce(&mut a, PID), nonce(&mut b, PID));
        assert_eq!((a.refills, b.refills), (1, 1));
    }

    #[test]
    fn an_unkeyed_pool_takes_its_key_from_the_os() {
        let mut a = known_pool(PID);
        a.keyed_pid = None;
        let mut b = a.clone();
        let x = nonce(&mut a, PID);
        assert_ne!(x, nonce(&mut b, PID));
        assert_ne!(x, "E2vavi738ijrOiLTO5OLe5Yl");
        assert_eq!(a.keyed_pid, Some(PID));
    }

    #[test]
    fn the_direct_path_makes_valid_distinct_nonces() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let mut out = String::from("x");
            fill_direct(&mut out).unwrap();
            assert_eq!(out.len(), 1 + RandomNonce::LEN);
            assert!(out.bytes().all(|c| c.is_ascii_alphanumeric()));
            assert!(seen.insert(out));
        }
    }
}
