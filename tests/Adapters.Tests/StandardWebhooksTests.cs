using CaaS.Hosting;

namespace CaaS.Adapters.Tests;

/// <summary>
/// The sandbox signs and the platform verifies with the same StandardWebhooks code, so it is held to
/// the scheme's published test vector rather than to itself (WH-1, WH-2).
/// </summary>
public sealed class StandardWebhooksTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Body = "{\"test\": 2432232314}";
    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    [Fact]
    public void It_signs_as_the_published_vector_says() =>
        Assert.Equal("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", StandardWebhooks.Sign(Secret, MessageId, "1614265330", Body));

    [Theory]
    [InlineData(0, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SignatureCheck.Valid)]
    [InlineData(0, "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SignatureCheck.Valid)]
    [InlineData(0, "v1,bm9wZQ==", SignatureCheck.BadSignature)]
    [InlineData(301, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SignatureCheck.Stale)]
    [InlineData(-301, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SignatureCheck.FromTheFuture)]
    [InlineData(0, "", SignatureCheck.Missing)]
    public void It_verifies_the_signature_and_a_five_minute_window(int secondsLater, string signatures, SignatureCheck expected) =>
        Assert.Equal(expected, StandardWebhooks.Verify(Secret, MessageId, "1614265330", signatures, Body, SentAt.AddSeconds(secondsLater)));
}
