using Microsoft.Extensions.Time.Testing;

namespace CaaS.TestSupport;

public static class FakeClock
{
    /// <summary>
    /// Keeps a fake clock moving until the work ends. A test silo runs on the test's clock, and its
    /// shutdown waits on timers too: with the clock standing still it would wait for ever.
    /// </summary>
    public static async Task DriveAsync(FakeTimeProvider time, Task work, TimeSpan? realLimit = null)
    {
        var deadline = DateTime.UtcNow + (realLimit ?? TimeSpan.FromMinutes(1));
        while (!work.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(work, Task.Delay(5));
        }

        await work.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
