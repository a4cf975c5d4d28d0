namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// A test class that drives the adapters at the sandbox its fixture shares. The sandbox is reset
/// before each test and again after it, so the next test, in whichever class, starts with no faults
/// and an empty request log; each test gets a harness (and so a fake clock) of its own.
/// </summary>
public abstract class SandboxTest<TSandbox>(TSandbox sandbox) : IAsyncLifetime
    where TSandbox : SandboxFixture
{
    protected TSandbox Sandbox { get; } = sandbox;

    protected AdapterHarness Harness { get; } = new(sandbox);

    public Task InitializeAsync() => Sandbox.ResetAsync();

    public async Task DisposeAsync()
    {
        await Sandbox.ResetAsync();
        await Harness.DisposeAsync();
    }
}
