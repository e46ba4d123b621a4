using BmsPace.Benchmarks;

return await BenchmarkRunner.RunAsync(args);
