package dev.lakelog.lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.log.JsonLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The local anchor: {@code <data-dir>/integrity/anchor.log}, one JSON line per published head
 * ({@code seq}, {@code chain_hash}, {@code at}, {@code signature}), only ever appended (and
 * fsynced). Each line is signed with Ed25519 (the JDK's own) over
 * {@code "lakelog-anchor-v1\n" + seq + "\n" + chain_hash + "\n" + at}. The key pair is made at
 * first start: {@code anchor-ed25519.key} (PKCS#8, mode 0600) and {@code anchor-ed25519.pub}
 * (X.509 SubjectPublicKeyInfo, base64); copy the public key somewhere the lake's owner cannot
 * write, and compare its fingerprint with the one verify prints (docs/integrity.md).
 */
public final class Ed25519FileAnchor implements ChainAnchor {
    private static final JsonLog LOG = JsonLog.get(Ed25519FileAnchor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FILE = "anchor.log";
    public static final String PRIVATE_KEY = "anchor-ed25519.key";
    public static final String PUBLIC_KEY = "anchor-ed25519.pub";

    private final Path dir;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private long lastSeq = -1;

    private Ed25519FileAnchor(Path dir, PrivateKey privateKey, PublicKey publicKey) {
        this.dir = dir;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** Opens the anchor in {@code dir}, creating the directory and the key pair on first use. */
    public static Ed25519FileAnchor open(Path dir) {
        try {
            Files.createDirectories(dir);
            Path priv = dir.resolve(PRIVATE_KEY);
            Path pub = dir.resolve(PUBLIC_KEY);
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            if (!Files.exists(priv)) {
                KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                Path tmp = dir.resolve(PRIVATE_KEY + ".tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n");
                Files.writeString(pub, Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()) + "\n");
                Files.move(tmp, priv, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                LOG.info("anchor_key_created", "path", pub.toString());
            }
            Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
            PrivateKey pk = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(Files.readString(priv).trim())));
            PublicKey pu = kf.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(Files.readString(pub).trim())));
            Ed25519FileAnchor a = new Ed25519FileAnchor(dir, pk, pu);
            for (Anchored x : a.read()) a.lastSeq = Math.max(a.lastSeq, x.seq());
            return a;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new LakeException("cannot open the integrity anchor in " + dir + ": " + e.getMessage(), e);
        }
    }

    static String message(long seq, String chainHash, String at) {
        return ChainAnchor.message(seq, chainHash, at);
    }

    @Override
    public java.util.Optional<SignedHead> signed(Anchored head) {
        String sig = signatureOf(head.line());
        if (sig == null) return java.util.Optional.empty();
        return java.util.Optional.of(new SignedHead(message(head.seq(), head.chainHash(), head.at()), sig, "Ed25519",
                publicKeyBase64(), fingerprint(), PUBLIC_KEY));
    }

    /** SHA-256 of the public key's encoding, hex: the fingerprint to compare out of band. */
    public String fingerprint() {
        return CanonicalRow.hex(CanonicalRow.sha256().digest(publicKey.getEncoded()));
    }

    /** The public key as stored in {@code anchor-ed25519.pub}: base64 of its X.509 encoding. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** The signature (base64) on line {@code line} (1-based) of the anchor file, or null. */
    public String signatureOf(int line) {
        try {
            List<String> lines = Files.readAllLines(file(), StandardCharsets.UTF_8);
            return JSON.readTree(lines.get(line - 1)).path("signature").asText(null);
        } catch (IOException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    @Override
    public synchronized void publish(IntegrityChain.Head head) {
        if (head == null || head.seq() <= lastSeq) return;
        String at = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message(head.seq(), head.chainHash(), at).getBytes(StandardCharsets.UTF_8));
            String line = JSON.createObjectNode().put("seq", head.seq()).put("chain_hash", head.chainHash()).put("at", at)
                    .put("signature", Base64.getEncoder().encodeToString(s.sign())).toString() + "\n";
            try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            lastSeq = head.seq();
        } catch (IOException | GeneralSecurityException e) {
            // the commit stands; the next publish carries the newer head (verify reports the gap)
            LOG.warn("anchor_publish_failed", "seq", head.seq(), "error", e.getMessage());
        }
    }

    @Override
    public List<Anchored> read() {
        List<Anchored> out = new ArrayList<>();
        if (!Files.exists(file())) return out;
        List<String> lines;
        try {
            lines = Files.readAllLines(file(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            out.add(new Anchored(0, -1, null, null, "the anchor file " + file() + " cannot be read: " + e.getMessage()));
            return out;
        }
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(l);
                long seq = n.path("seq").asLong(-1);
                String hash = n.path("chain_hash").asText(null);
                String at = n.path("at").asText(null);
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(publicKey);
                s.update(message(seq, hash, at).getBytes(StandardCharsets.UTF_8));
                boolean ok = s.verify(Base64.getDecoder().decode(n.path("signature").asText("")));
                out.add(new Anchored(i + 1, seq, hash, at, ok ? null
                        : "the signature of anchor line " + (i + 1) + " (entry " + seq + ") does not verify with the anchor's public key"));
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                out.add(new Anchored(i + 1, -1, null, null, "anchor line " + (i + 1) + " is not a valid signed head: " + e.getMessage()));
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return file() + " (Ed25519 public key fingerprint sha256:" + fingerprint() + ")";
    }
}
