package dev.lakelog.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.lake.ChainAnchor;
import dev.lakelog.lake.IntegrityChain;
import dev.lakelog.log.JsonLog;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.GetPublicKeyResponse;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SignResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * The AWS anchor (docs/integrity.md#the-anchor): each chain head is one object
 * {@code <prefix><seq, 20 digits>.json} in a bucket under Object Lock, holding
 * {@code {"v":1,"seq","chain_hash","at","key_id","algorithm","signature"}}; the signature is
 * KMS {@code Sign} ({@code ECDSA_SHA_256} with an {@code ECC_NIST_P256} key, or
 * {@code RSASSA_PKCS1_V1_5_SHA_256} with an RSA key; message type RAW) over
 * {@link ChainAnchor#message}, the same bytes the local anchor signs.
 *
 * <p>Reading checks every version of every head object: Object Lock keeps the first version of a
 * key, so an overwrite (a second version) or a delete marker is itself a finding; the signature is
 * checked here with the key's public key (KMS {@code GetPublicKey}, fetched once), exactly as an
 * auditor does offline with openssl (docs/verify-proof.py).
 */
public final class KmsS3Anchor implements ChainAnchor {
    private static final JsonLog LOG = JsonLog.get(KmsS3Anchor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;
    private final KmsClient kms;
    private final String bucket;
    private final String prefix;
    private final String keyId;
    private volatile Key key;
    private long lastSeq = -1;

    private record Key(String arn, String algorithm, String jca, PublicKey publicKey, byte[] der) {}

    public KmsS3Anchor(S3Client s3, KmsClient kms, String bucket, String prefix, String keyId) {
        this.s3 = s3;
        this.kms = kms;
        this.bucket = bucket;
        this.prefix = prefix;
        this.keyId = keyId;
    }

    /** The object key of the head with sequence number {@code seq}. */
    public String objectKey(long seq) {
        return prefix + String.format("%020d", seq) + ".json";
    }

    /** Whether the head object of {@code seq} exists (a listing: it needs only s3:ListBucket on the prefix, where a HEAD of a missing key needs it bucket-wide). */
    private boolean published(long seq) {
        String name = objectKey(seq);
        return s3.listObjectsV2(b -> b.bucket(bucket).prefix(name).maxKeys(1)).contents().stream().anyMatch(o -> o.key().equals(name));
    }

    private Key key() {
        Key k = key;
        if (k != null) return k;
        GetPublicKeyResponse r = kms.getPublicKey(b -> b.keyId(keyId));
        List<String> algs = r.signingAlgorithmsAsStrings();
        String alg = algs.contains("ECDSA_SHA_256") ? "ECDSA_SHA_256" : algs.contains("RSASSA_PKCS1_V1_5_SHA_256") ? "RSASSA_PKCS1_V1_5_SHA_256" : null;
        if (alg == null) {
            throw new IllegalStateException("the KMS key " + keyId + " signs with none of ECDSA_SHA_256 and RSASSA_PKCS1_V1_5_SHA_256 (it offers "
                    + algs + "): create it as SIGN_VERIFY with ECC_NIST_P256 (or an RSA spec)");
        }
        byte[] der = r.publicKey().asByteArray();
        try {
            String kf = alg.startsWith("ECDSA") ? "EC" : "RSA";
            PublicKey pk = KeyFactory.getInstance(kf).generatePublic(new X509EncodedKeySpec(der));
            k = new Key(r.keyId(), alg, alg.startsWith("ECDSA") ? "SHA256withECDSA" : "SHA256withRSA", pk, der);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the public key of KMS key " + keyId + " cannot be read: " + e.getMessage(), e);
        }
        key = k;
        return k;
    }

    private static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void publish(IntegrityChain.Head head) {
        if (head == null || head.seq() <= lastSeq) return;
        String at = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        try {
            if (lastSeq < 0 && published(head.seq())) { // a restart, or another instance, published it already
                lastSeq = head.seq();
                return;
            }
            Key k = key();
            byte[] message = ChainAnchor.message(head.seq(), head.chainHash(), at).getBytes(StandardCharsets.UTF_8);
            SignResponse sig = kms.sign(b -> b.keyId(keyId).message(SdkBytes.fromByteArray(message))
                    .messageType(MessageType.RAW).signingAlgorithm(k.algorithm()));
            String body = JSON.createObjectNode().put("v", 1).put("seq", head.seq()).put("chain_hash", head.chainHash()).put("at", at)
                    .put("key_id", sig.keyId()).put("algorithm", k.algorithm())
                    .put("signature", Base64.getEncoder().encodeToString(sig.signature().asByteArray())).toString();
            try {
                // If-None-Match: a head is written once; a second writer of the same head loses (412) instead of adding a version
                s3.putObject(b -> b.bucket(bucket).key(objectKey(head.seq())).contentType("application/json").ifNoneMatch("*"),
                        RequestBody.fromString(body, StandardCharsets.UTF_8));
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() != 412) throw e;
            }
            lastSeq = head.seq();
        } catch (SdkException | IllegalStateException e) {
            // the commit stands; the next publish carries the newer head (verify reports the unanchored tail)
            LOG.warn("anchor_publish_failed", "seq", head.seq(), "bucket", bucket, "error", e.getMessage());
        }
    }

    @Override
    public List<Anchored> read() {
        List<Anchored> out = new ArrayList<>();
        Key k;
        // every version of every head object, by key (zero-padded: in sequence order)
        Map<String, List<ObjectVersion>> versions = new TreeMap<>();
        Map<String, Integer> deleteMarkers = new TreeMap<>();
        try {
            k = key();
            try {
                var lock = s3.getObjectLockConfiguration(b -> b.bucket(bucket)).objectLockConfiguration();
                if (lock == null || lock.objectLockEnabled() != ObjectLockEnabled.ENABLED || lock.rule() == null
                        || lock.rule().defaultRetention() == null) {
                    out.add(new Anchored(0, -1, null, null, "the anchor bucket " + bucket
                            + " has no Object Lock default retention: its heads could be rewritten or deleted"));
                }
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() != 404) throw e;
                out.add(new Anchored(0, -1, null, null, "the anchor bucket " + bucket + " is not under Object Lock: its heads could be rewritten or deleted"));
            }
            String keyMarker = null;
            String versionMarker = null;
            while (true) {
                String km = keyMarker;
                String vm = versionMarker;
                ListObjectVersionsResponse r = s3.listObjectVersions(b -> b.bucket(bucket).prefix(prefix).keyMarker(km).versionIdMarker(vm));
                for (ObjectVersion v : r.versions()) versions.computeIfAbsent(v.key(), x -> new ArrayList<>()).add(v);
                r.deleteMarkers().forEach(d -> deleteMarkers.merge(d.key(), 1, Integer::sum));
                if (!Boolean.TRUE.equals(r.isTruncated())) break;
                keyMarker = r.nextKeyMarker();
                versionMarker = r.nextVersionIdMarker();
            }
        } catch (SdkException | IllegalStateException e) {
            out.add(new Anchored(0, -1, null, null, "the anchor s3://" + bucket + "/" + prefix + " cannot be read: " + e.getMessage()));
            return out;
        }
        int line = 0;
        for (Map.Entry<String, List<ObjectVersion>> e : versions.entrySet()) {
            line++;
            String name = e.getKey();
            List<ObjectVersion> vs = new ArrayList<>(e.getValue());
            vs.sort(java.util.Comparator.comparing(ObjectVersion::lastModified));
            ObjectVersion first = vs.get(0); // the version Object Lock keeps: the one written at commit time
            // findings about the object itself stand beside the check of its first version
            if (vs.size() > 1) out.add(new Anchored(0, -1, null, null, "anchor object " + name + " was overwritten: it has " + vs.size() + " versions (the first is checked)"));
            if (deleteMarkers.containsKey(name)) out.add(new Anchored(0, -1, null, null, "anchor object " + name + " was deleted (a delete marker hides it; the locked version is checked)"));
            String problem = null;
            try {
                String text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(name).versionId(first.versionId())).asUtf8String();
                JsonNode n = JSON.readTree(text);
                long seq = n.path("seq").asLong(-1);
                String hash = n.path("chain_hash").asText(null);
                String at = n.path("at").asText(null);
                if (!name.equals(objectKey(seq))) {
                    out.add(new Anchored(line, seq, hash, at, "anchor object " + name + " holds the head of entry " + seq + ": it was renamed or forged"));
                    continue;
                }
                Signature s = Signature.getInstance(k.jca());
                s.initVerify(k.publicKey());
                s.update(ChainAnchor.message(seq, hash, at).getBytes(StandardCharsets.UTF_8));
                boolean ok;
                try {
                    ok = s.verify(Base64.getDecoder().decode(n.path("signature").asText("")));
                } catch (java.security.SignatureException | IllegalArgumentException bad) {
                    ok = false;
                }
                if (!ok) problem = "the signature of anchor object " + name + " (entry " + seq + ") does not verify with the public key of KMS key " + k.arn();
                out.add(new Anchored(line, seq, hash, at, problem));
            } catch (SdkException | java.io.IOException | GeneralSecurityException x) {
                out.add(new Anchored(line, -1, null, null, "anchor object " + name + " is not a valid signed head: " + x.getMessage()));
            }
        }
        return out;
    }

    @Override
    public Optional<SignedHead> signed(Anchored head) {
        if (head.seq() < 0) return Optional.empty();
        try {
            Key k = key();
            String name = objectKey(head.seq());
            var vs = s3.listObjectVersions(b -> b.bucket(bucket).prefix(name)).versions().stream()
                    .filter(v -> v.key().equals(name)).sorted(java.util.Comparator.comparing(ObjectVersion::lastModified)).toList();
            if (vs.isEmpty()) return Optional.empty();
            JsonNode n = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(bucket).key(name).versionId(vs.get(0).versionId())).asUtf8String());
            return Optional.of(new SignedHead(ChainAnchor.message(head.seq(), head.chainHash(), head.at()), n.path("signature").asText(),
                    k.algorithm(), Base64.getEncoder().encodeToString(k.der()), sha256Hex(k.der()), k.arn()));
        } catch (SdkException | java.io.IOException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        String fp;
        try {
            Key k = key();
            fp = "KMS key " + k.arn() + ", " + k.algorithm() + ", public key sha256:" + sha256Hex(k.der());
        } catch (SdkException | IllegalStateException e) {
            fp = "KMS key " + keyId + " (its public key cannot be read: " + e.getMessage() + ")";
        }
        return "s3://" + bucket + "/" + prefix + " (" + fp + ")";
    }
}
