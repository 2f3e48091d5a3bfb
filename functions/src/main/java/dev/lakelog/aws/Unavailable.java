package dev.lakelog.aws;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns the AWS SDK's failures into lakelog's: every call through the returned view of an
 * adapter that fails with an {@link SdkException} (service unreachable, throttled, refused)
 * throws {@link ErrorCode#DEPENDENCY_UNAVAILABLE} naming the dependency, which callers answer
 * with 503 and Retry-After. Expected service answers (a failed condition check) are handled
 * inside the adapters and never reach here.
 */
final class Unavailable {
    private Unavailable() {}

    @SuppressWarnings("unchecked")
    static <T> T guard(Class<T> iface, T target, String dependency) {
        return (T) Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, (proxy, method, args) -> {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof SdkException sdk) throw translate(dependency, sdk);
                throw cause;
            }
        });
    }

    static LakelogException translate(String dependency, SdkException e) {
        return LakelogException.unavailable(ErrorCode.DEPENDENCY_UNAVAILABLE,
                dependency + " is unavailable; retry later", 5, e);
    }
}
