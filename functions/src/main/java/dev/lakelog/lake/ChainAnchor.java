package dev.lakelog.lake;

import java.util.List;
import java.util.Optional;

/**
 * Where the chain's head is published outside the catalog, signed, so that a rewrite of the
 * integrity table cannot go unnoticed (docs/integrity.md). Locally: {@link Ed25519FileAnchor}, an
 * append-only file signed with an Ed25519 key made at first start. In AWS: {@code aws.KmsS3Anchor},
 * one object per head in a bucket under Object Lock, signed with an asymmetric KMS key; without one
 * ({@link #NONE}) verify says so and checks the chain only against itself.
 */
public interface ChainAnchor {
    /** Publishes {@code head} (a head not newer than the last one published is ignored). */
    void publish(IntegrityChain.Head head);

    /** Every head published, oldest first, each with its signature checked. */
    List<Anchored> read();

    /** Where the anchor lives and which key signs it, in words. */
    String describe();

    /** True when there is an anchor at all. */
    default boolean present() {
        return true;
    }

    /**
     * What an auditor needs to check a published head's signature offline: the signed
     * {@code message} (UTF-8), the {@code signature} (base64), the {@code algorithm}
     * ({@code Ed25519}, or KMS's name such as {@code ECDSA_SHA_256}), the {@code publicKey}
     * (base64 of its X.509 SubjectPublicKeyInfo), its SHA-256 and the key's id.
     */
    record SignedHead(String message, String signature, String algorithm, String publicKey, String publicKeySha256, String keyId) {}

    /** The signature material of {@code head} (one returned by {@link #read()}), if this anchor has it. */
    default Optional<SignedHead> signed(Anchored head) {
        return Optional.empty();
    }

    /** The bytes every anchor signs for a head: {@code "lakelog-anchor-v1\n" + seq + "\n" + chain_hash + "\n" + at}. */
    static String message(long seq, String chainHash, String at) {
        return "lakelog-anchor-v1\n" + seq + "\n" + chainHash + "\n" + at;
    }

    /** One published head: {@code problem} is null when its signature is valid. */
    record Anchored(int line, long seq, String chainHash, String at, String problem) {}

    ChainAnchor NONE = new ChainAnchor() {
        @Override
        public void publish(IntegrityChain.Head head) {}

        @Override
        public List<Anchored> read() {
            return List.of();
        }

        @Override
        public String describe() {
            return "no anchor (set LAKELOG_ANCHOR_BUCKET and LAKELOG_ANCHOR_KMS_KEY_ID: signed heads in S3 under Object Lock)";
        }

        @Override
        public boolean present() {
            return false;
        }
    };
}
