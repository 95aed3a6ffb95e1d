// ensemble_predict.cpp: networks and ensembles from C++. Builds three
// randomly initialised ML-APT reference networks, puts them in an ensemble,
// and checks that the ensemble's mean and standard deviation are those of
// the members' own forward passes, computed here with std::vector.
// Build: g++ -std=c++11 ensemble_predict.cpp $(pkg-config --cflags --libs csro)
#include <csro.h>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

struct NetFree { void operator()(csro_net *n) const { csro_net_free(n); } };
struct EnsFree { void operator()(csro_ensemble *e) const { csro_ensemble_free(e); } };
using Net = std::unique_ptr<csro_net, NetFree>;
using Ensemble = std::unique_ptr<csro_ensemble, EnsFree>;

static void ok(int rc)
{
    if (rc < 0) throw std::runtime_error(std::string(csro_strerror(rc)) + ": " + csro_last_error());
}

int main()
try {
    const size_t nbins = 93, nclasses = 2, batch = 256, members = 3;
    csro_ensemble *e0 = nullptr;
    ok(csro_ensemble_new(&e0, nclasses));
    Ensemble ens(e0);
    std::vector<Net> nets;
    for (size_t m = 0; m < members; m++) {
        csro_net *n = nullptr;
        ok(csro_net_new_default(&n, nbins, nclasses));
        nets.emplace_back(n);
        ok(csro_net_init(n, 100 + m));
        ok(csro_ensemble_add(ens.get(), n)); // the ensemble keeps a copy
    }
    ok(csro_ensemble_set_class(ens.get(), 0, "random"));
    ok(csro_ensemble_set_class(ens.get(), 1, "CSRO"));

    std::mt19937 gen(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> x(batch * nbins);
    for (float &v : x) v = u(gen);
    std::vector<float> mean(batch * nclasses), sd(batch * nclasses), out(batch * nclasses);
    ok(csro_ensemble_predict(ens.get(), batch, x.data(), mean.data(), sd.data(), 0));

    std::vector<double> s1(batch * nclasses), s2(batch * nclasses);
    for (const Net &n : nets) {
        ok(csro_net_forward(n.get(), batch, x.data(), out.data()));
        for (size_t i = 0; i < out.size(); i++) s1[i] += out[i], s2[i] += (double)out[i] * out[i];
    }
    double worst = 0;
    for (size_t i = 0; i < out.size(); i++) {
        double m = s1[i] / members, var = s2[i] / members - m * m;
        worst = std::fmax(worst, std::fabs(m - mean[i]));
        worst = std::fmax(worst, std::fabs(std::sqrt(std::fmax(var, 0.0)) - sd[i]));
    }
    std::printf("libcsro %s: %zu members, %zu inputs, classes %s/%s, P(%s) of input 0 = %.4f +- %.4f, "
                "max deviation from the members %.2g\n", csro_version(), csro_ensemble_size(ens.get()), batch,
                csro_ensemble_class(ens.get(), 0), csro_ensemble_class(ens.get(), 1), csro_ensemble_class(ens.get(), 1),
                mean[1], sd[1], worst);
    return worst < 1e-4 ? 0 : 1;
} catch (const std::exception &ex) {
    std::fprintf(stderr, "ensemble_predict: %s\n", ex.what());
    return 1;
}
