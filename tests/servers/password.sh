# The test servers' password (sourced by postgres.sh and mariadb.sh). Distinctive, so that the
# suite can look for it in every output strata prints, and made of the characters a URL must
# percent-encode (@ : / %), so that every way of giving it is exercised.
# shellcheck shell=bash disable=SC2034
password='Qx7kH@Wv2mJ:Rb9pK/Zt4cM%Ln6dN'
password_in_url='Qx7kH%40Wv2mJ%3ARb9pK%2FZt4cM%25Ln6dN'
