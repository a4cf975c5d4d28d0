using Microsoft.Extensions.DependencyInjection;
using CaaS.Grains.Integration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaaS.Grains;

public static class GrainServices
{
    /// <summary>
    /// What the grains need from the silo's container, whatever the silo runs on. The silo host and
    /// the test clusters both call this, so a test runs the same wiring as production.
    /// </summary>
    public static ISiloBuilder AddCaaSGrains(this ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddCaaSIntegrations();
        return silo;
    }
}
