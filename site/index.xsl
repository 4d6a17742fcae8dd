<?xml version="1.0" encoding="UTF-8"?>
<!-- index.xsl: the front page: overall banner, active incidents, maintenance, components with 90-day bars, AWS services. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:template match="/status">
    <html lang="en">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="concat($product, ' status')"/>
      </xsl:call-template>
      <body>
        <xsl:call-template name="header"/>
        <main id="main" data-render="{@render}">
          <xsl:apply-templates select="freshness" mode="stale"/>
          <section class="banner ind-{summary/@indicator}" aria-labelledby="overall">
            <h1 id="overall"><xsl:value-of select="summary/description"/></h1>
          </section>
          <xsl:apply-templates select="freshness" mode="updated"/>
          <xsl:call-template name="active"/>
          <xsl:call-template name="maintenance"/>
          <section aria-labelledby="comp-h">
            <h2 id="comp-h">Components</h2>
            <xsl:apply-templates select="components/group"/>
          </section>
          <xsl:if test="aws/service">
            <section aria-labelledby="aws-h">
              <h2 id="aws-h">AWS services we depend on</h2>
              <table class="aws">
                <thead><tr><th scope="col">Service</th><th scope="col">Region</th><th scope="col">AWS state</th></tr></thead>
                <tbody>
                  <xsl:for-each select="aws/service">
                    <tr>
                      <td><xsl:value-of select="name"/></td>
                      <td><xsl:value-of select="@region"/><xsl:if test="not(@region)">global</xsl:if></td>
                      <td class="aws-{@state}">
                        <xsl:call-template name="aws-words"><xsl:with-param name="s" select="@state"/></xsl:call-template>
                        <xsl:if test="title"><span class="aws-title">: <xsl:value-of select="title"/></span></xsl:if>
                      </td>
                    </tr>
                  </xsl:for-each>
                </tbody>
              </table>
            </section>
          </xsl:if>
          <xsl:if test="page/@subscribe">
            <section class="subscribe" aria-labelledby="sub-h">
              <h2 id="sub-h">Get updates by email</h2>
              <form method="post" action="{page/@subscribe}">
                <label for="sub-email">Email address</label>
                <input id="sub-email" type="email" name="email" required="required" autocomplete="email"/>
                <button type="submit">Subscribe</button>
              </form>
              <p class="muted">Or follow the <a href="history.atom">Atom</a> or <a href="history.rss">RSS</a> feed.</p>
            </section>
          </xsl:if>
          <p class="verified">
            <xsl:text>Page generated </xsl:text>
            <xsl:call-template name="time"><xsl:with-param name="t" select="freshness/@generated-at"/><xsl:with-param name="h" select="freshness/@generated-at-h"/></xsl:call-template>
            <xsl:text> (render </xsl:text><xsl:value-of select="@render"/><xsl:text>).</xsl:text>
          </p>
        </main>
        <xsl:call-template name="footer"/>
      </body>
    </html>
  </xsl:template>

  <!--
    Freshness, all computed when the page is made (no script): the time the
    AWS data behind the page was last verified, as words relative to this
    render and as a UTC <time>; a static page read later still shows its
    absolute times, and the site is re-published every render_interval
    while the monitor runs, so an old page tells its age.
  -->
  <xsl:template match="freshness" mode="stale">
    <xsl:if test="@stale = 'yes'">
      <div class="stale" role="alert">
        <strong>This page may be out of date.</strong>
        <xsl:choose>
          <xsl:when test="@verified-at">
            <xsl:text> We last read the AWS Health Dashboard at </xsl:text>
            <xsl:call-template name="time"><xsl:with-param name="t" select="@verified-at"/><xsl:with-param name="h" select="@verified-at-h"/></xsl:call-template>
            <xsl:text>, </xsl:text>
            <xsl:call-template name="age-words"><xsl:with-param name="s" select="@verified-age"/></xsl:call-template>
            <xsl:text> before this page was generated; component statuses are unknown until we can read it again.</xsl:text>
          </xsl:when>
          <xsl:otherwise> We have not yet been able to read the AWS Health Dashboard; component statuses are unknown until we can.</xsl:otherwise>
        </xsl:choose>
      </div>
    </xsl:if>
  </xsl:template>

  <xsl:template match="freshness" mode="updated">
    <p class="updated">
      <xsl:choose>
        <xsl:when test="@verified-at">
          <xsl:text>Updated </xsl:text>
          <xsl:call-template name="age-words"><xsl:with-param name="s" select="@verified-age"/></xsl:call-template>
          <xsl:text> ago (</xsl:text>
          <xsl:call-template name="time"><xsl:with-param name="t" select="@verified-at"/><xsl:with-param name="h" select="@verified-at-h"/></xsl:call-template>
          <xsl:text>).</xsl:text>
        </xsl:when>
        <xsl:otherwise>Not yet updated from the AWS Health Dashboard.</xsl:otherwise>
      </xsl:choose>
    </p>
  </xsl:template>

  <!-- A duration in seconds in words: "less than a minute", "1 minute", "119 minutes", "47 hours", "3 days". -->
  <xsl:template name="age-words">
    <xsl:param name="s"/>
    <xsl:variable name="m" select="floor($s div 60)"/>
    <xsl:choose>
      <xsl:when test="$m &lt; 1">less than a minute</xsl:when>
      <xsl:when test="$m = 1">1 minute</xsl:when>
      <xsl:when test="$m &lt; 120"><xsl:value-of select="$m"/> minutes</xsl:when>
      <xsl:when test="$m &lt; 2880"><xsl:value-of select="floor($m div 60)"/> hours</xsl:when>
      <xsl:otherwise><xsl:value-of select="floor($m div 1440)"/> days</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="active">
    <xsl:if test="incidents/incident[@active = 'yes']">
      <section aria-labelledby="act-h">
        <h2 id="act-h">Active incidents</h2>
        <xsl:for-each select="incidents/incident[@active = 'yes']">
          <article class="incident impact-{@impact}">
            <h3><a href="incidents/{@id}.html"><xsl:value-of select="name"/></a></h3>
            <p class="meta">
              <xsl:if test="@priority"><span class="prio"><xsl:value-of select="@priority"/></span><xsl:text> </xsl:text></xsl:if>
              <span><xsl:call-template name="impact-words"><xsl:with-param name="i" select="@impact"/></xsl:call-template></span>
              <xsl:text> · </xsl:text>
              <span><xsl:value-of select="@status-label"/></span>
            </p>
            <xsl:for-each select="update[1]">
              <p class="latest"><strong><xsl:value-of select="@status-label"/></strong>
                <xsl:text> (</xsl:text>
                <xsl:call-template name="time"><xsl:with-param name="t" select="@created-at"/><xsl:with-param name="h" select="@created-at-h"/></xsl:call-template>
                <xsl:text>): </xsl:text>
                <span class="body"><xsl:value-of select="body"/></span></p>
            </xsl:for-each>
            <xsl:if test="@next-update-by">
              <p class="next">Next update by <xsl:call-template name="time"><xsl:with-param name="t" select="@next-update-by"/><xsl:with-param name="h" select="@next-update-by-h"/></xsl:call-template></p>
            </xsl:if>
          </article>
        </xsl:for-each>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template name="maintenance">
    <xsl:variable name="m" select="maintenances/incident[@status = 'scheduled' or @status = 'in_progress' or @status = 'verifying']"/>
    <xsl:if test="$m">
      <section aria-labelledby="mnt-h">
        <h2 id="mnt-h">Scheduled maintenance</h2>
        <xsl:for-each select="$m">
          <xsl:sort select="@scheduled-for"/>
          <article class="incident impact-maintenance">
            <h3><a href="incidents/{@id}.html"><xsl:value-of select="name"/></a></h3>
            <p class="meta"><span><xsl:value-of select="@status-label"/></span>
              <xsl:text> · </xsl:text>
              <xsl:call-template name="time"><xsl:with-param name="t" select="@scheduled-for"/><xsl:with-param name="h" select="@scheduled-for-h"/></xsl:call-template>
              <xsl:text> to </xsl:text>
              <xsl:call-template name="time"><xsl:with-param name="t" select="@scheduled-until"/><xsl:with-param name="h" select="@scheduled-until-h"/></xsl:call-template>
            </p>
            <xsl:if test="update[1]"><p class="body"><xsl:value-of select="update[1]/body"/></p></xsl:if>
          </article>
        </xsl:for-each>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template match="group">
    <div class="group">
      <xsl:if test="string(@name) != ''"><h3><xsl:value-of select="@name"/></h3></xsl:if>
      <ul class="comps">
        <xsl:apply-templates select="component"/>
      </ul>
    </div>
  </xsl:template>

  <xsl:template match="component">
    <li class="comp" id="c-{@id}">
      <div class="crow">
        <span class="cname"><xsl:value-of select="name"/></span>
        <span class="st st-{@status}"><xsl:value-of select="@label"/></span>
      </div>
      <xsl:if test="cause">
        <ul class="causes"><xsl:apply-templates select="cause"/></ul>
      </xsl:if>
      <div class="bar" role="img"
           aria-label="{name}, last 90 days: {@uptime}% uptime, {days/@bad} days with problems">
        <xsl:for-each select="days/d">
          <xsl:choose>
            <xsl:when test="@s = 'o'"><i></i></xsl:when>
            <xsl:when test="@s = 'n'"><i class="n"></i></xsl:when>
            <xsl:otherwise><i class="{@s}" title="{@label}"></i></xsl:otherwise>
          </xsl:choose>
        </xsl:for-each>
      </div>
      <div class="legend" aria-hidden="true"><span>90 days ago</span><span><xsl:value-of select="@uptime"/>% uptime</span><span>Today</span></div>
      <xsl:if test="days/d[@s != 'o' and @s != 'n']">
        <p class="vh">Days with problems: <xsl:for-each select="days/d[@s != 'o' and @s != 'n']">
          <xsl:value-of select="@label"/><xsl:if test="position() != last()">; </xsl:if></xsl:for-each>.</p>
      </xsl:if>
    </li>
  </xsl:template>

</xsl:stylesheet>
