using CaaS.TestSupport;

namespace CaaS.Grains.Tests;

/// <summary>Issue 20: a wait that gives up names what it was left with, item by item.</summary>
public sealed class EventuallyTests
{
    [Fact]
    public async Task A_wait_that_gives_up_lists_the_items_of_its_last_value()
    {
        var left = new List<string> { "rental res-1: ReturnPending", "servicePurchase pur-2: Activating" };

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.Until(() => Task.FromResult(left), value => value.Count == 0, "nothing left", TimeSpan.FromMilliseconds(100)));

        Assert.Contains("2 item(s):\n  - rental res-1: ReturnPending\n  - servicePurchase pur-2: Activating", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Collections", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_and_empty_collections_are_described_as_they_are()
    {
        Assert.Equal("plain", Eventually.Describe("plain"));
        Assert.Equal("(none)", Eventually.Describe(Array.Empty<int>()));
        Assert.Equal("1 item(s):\n  - a: 1", Eventually.Describe(new Dictionary<string, int> { ["a"] = 1 }));
    }
}
