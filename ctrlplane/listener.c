/* SPDX-License-Identifier: BSD-3-Clause */
/* A listener's config section -> the engine's struct cp_listener; see listener.h. */
#include "ctrlplane/listener.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctrlplane/pki/x509_verify.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"

/* Session cache and ticket keys from the config (both on by default). */
static enum ftls_err build_resumption(const struct ftls_cfg_listener *lc, struct cp_listener *l)
{
	const struct ftls_cfg_sess_cache *sc = lc->session_cache;
	const struct ftls_cfg_tickets *tc = lc->tickets;
	enum ftls_err e;

	l->sess_lifetime = sc && sc->lifetime ? sc->lifetime : 7200;
	if (!sc || sc->enabled != FTLS_SW_OFF) {
		struct cp_sess_cache_conf cc = {
			.max_entries = sc && sc->max_entries ? sc->max_entries : 20000,
			.max_bytes = sc && sc->max_bytes ? sc->max_bytes : 16u << 20,
			.lifetime = l->sess_lifetime,
		};
		if ((e = cp_sess_cache_create(&cc, &l->sess_cache)))
			return e;
	}
	if (!tc || tc->enabled != FTLS_SW_OFF) {
		struct cp_ticket_conf kc = { .period = tc && tc->rotation ? tc->rotation : 3600 };
		if ((e = cp_ticket_keys_create(&kc, &l->tickets)))
			return e;
		l->tickets13 = tc && tc->tls13_count ? (uint8_t)tc->tls13_count : 1;
		l->ticket_reuse = tc && tc->reuse == FTLS_SW_ON;
		l->psk_ke = tc && tc->psk_ke == FTLS_SW_ON;
	}
	return FTLS_OK;
}

enum ftls_err cp_listener_build(const struct ftls_config *cfg, const struct ftls_cfg_listener *lc,
				struct ftls_crypto_dev *dev, struct cp_listener *l,
				struct cp_certs *certs, char *err, size_t err_len)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX], msg[512];
	enum ftls_err e;

	memset(l, 0, sizeof(*l));
	memset(certs, 0, sizeof(*certs));
	certs->default_set = -1;
	l->name = lc->name;
	for (unsigned i = 0; i < lc->nb_version_ids && i < 4; i++)
		l->versions[l->nb_versions++] = lc->version_ids[i];
	for (unsigned i = 0; i < lc->nb_suite_ids && i < CP_MAX_SUITES; i++)
		l->suites[l->nb_suites++] = lc->suite_ids[i];
	for (unsigned i = 0; i < lc->nb_group_ids && i < CP_MAX_GROUPS; i++)
		l->groups[l->nb_groups++] = lc->group_ids[i];
	for (unsigned i = 0; i < lc->alpn_count && i < CP_MAX_ALPN; i++)
		snprintf(l->alpn[l->nb_alpn++], sizeof(l->alpn[0]), "%s", lc->alpn[i]);
	l->sni_strict = lc->unknown_sni == FTLS_SNI_REJECT;
	l->max_msg = lc->max_handshake_message;
	l->ems_optional = lc->ems == FTLS_EMS_OPTIONAL;
	l->dev = dev;
	l->certs = certs;
	for (unsigned s = 0; s < lc->certificates_count; s++) {
		const struct ftls_cfg_certset *cs = &lc->certificates[s];
		struct cp_cert_set *set = cp_certs_new_set(certs);
		if (!set) {
			snprintf(err, err_len, "%s: listener %s: too many certificate sets", cfg->path,
				 lc->name);
			goto fail;
		}
		if (cs->is_default)
			certs->default_set = (int)s;
		for (unsigned n = 0; n < cs->names_count; n++)
			if ((e = cp_certs_add_name(set, cs->names[n]))) {
				snprintf(err, err_len, "%s: listener %s: bad SNI name '%s'", cfg->path,
					 lc->name, cs->names[n]);
				goto fail;
			}
		for (unsigned c = 0; c < cs->chains_count; c++) {
			ftls_config_path(cfg, cs->chains[c].cert, cert_path, sizeof(cert_path));
			ftls_config_path(cfg, cs->chains[c].key, key_path, sizeof(key_path));
			e = cp_certs_load_chain(certs, set, cert_path, key_path, msg, sizeof(msg));
			if (e) {
				snprintf(err, err_len, "%s: listener %s: %s", cfg->path, lc->name,
					 msg);
				goto fail;
			}
		}
	}
	/* Without a default set and without SNI a client could get nothing: say so at start. */
	if (certs->default_set < 0 && certs->nb_sets == 1)
		certs->default_set = 0;
	if (build_resumption(lc, l)) {
		snprintf(err, err_len, "%s: listener %s: cannot create the session cache or ticket keys",
			 cfg->path, lc->name);
		goto fail;
	}
	if (lc->client_auth && lc->client_auth->mode != FTLS_CAUTH_NONE) {
		char crl_path[PATH_MAX];
		struct cp_x509_verifier *v = NULL;
		struct cp_x509_conf xc = { .max_depth = (int)lc->client_auth->max_depth };
		xc.ca_file = ftls_config_path(cfg, lc->client_auth->ca, cert_path, sizeof(cert_path));
		if (lc->client_auth->crl)
			xc.crl_file = ftls_config_path(cfg, lc->client_auth->crl, crl_path,
						       sizeof(crl_path));
		if (cp_x509_verifier_create(&xc, &v)) {
			snprintf(err, err_len, "%s: listener %s: client_auth: cannot load CA bundle %s%s%s",
				 cfg->path, lc->name, xc.ca_file, xc.crl_file ? " or CRL " : "",
				 xc.crl_file ? xc.crl_file : "");
			goto fail;
		}
		l->verifier = v;
		l->client_auth = lc->client_auth->mode == FTLS_CAUTH_REQUIRED ? CP_CAUTH_REQUIRED
									      : CP_CAUTH_OPTIONAL;
	}
	return FTLS_OK;
fail:
	cp_listener_release(l, certs);
	memset(l, 0, sizeof(*l));
	return FTLS_ERR_CONFIG;
}

void cp_listener_release(struct cp_listener *l, struct cp_certs *certs)
{
	cp_x509_verifier_destroy((struct cp_x509_verifier *)l->verifier);
	l->verifier = NULL;
	cp_sess_cache_destroy(l->sess_cache);
	l->sess_cache = NULL;
	cp_ticket_keys_destroy(l->tickets);
	l->tickets = NULL;
	cp_certs_free(certs);
}
