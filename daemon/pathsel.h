/* placeholder, filled in by the NAT traversal work */
