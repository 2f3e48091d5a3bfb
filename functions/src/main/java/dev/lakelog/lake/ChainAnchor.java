package dev.lakelog.lake;

import java.util.List;

/**
 * Where the chain's head is published outside the catalog, signed, so that a rewrite of the
 * integrity table cannot go unnoticed (docs/integrity.md). Locally: {@link Ed25519FileAnchor}, an
 * append-only file signed with an Ed25519 key made at first start. In AWS no anchor is built yet
 * ({@link #NONE}): verify then says so and checks the chain only against itself.
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
            return "no anchor (AWS anchoring to S3 Object Lock with a KMS signature is not built yet)";
        }

        @Override
        public boolean present() {
            return false;
        }
    };
}
